using System.Text;

namespace Mxcp.Runtime.Templates;

/// <summary>
/// Builds the node tree of a template with Jinja2's grammar, and rejects everything outside the supported subset
/// (unknown or unsupported tags, filters, tests and calls, wrong filter arguments) with a
/// <see cref="TemplateSyntaxException"/> that names the construct and its position, so that no template fails at
/// render time for using something this renderer lacks.
/// </summary>
internal sealed class TemplateParser
{
    private const int MaxNesting = 200;
    private const int MaxBlockNesting = 100;
    private const string SupportedTags = "if, elif, else, endif, for, endfor, set, endset, raw, endraw";

    private static readonly HashSet<string> UnsupportedTags = new(
        [
            "macro", "endmacro", "call", "endcall", "filter", "endfilter", "include", "import", "from", "extends",
            "block", "endblock", "with", "endwith", "autoescape", "endautoescape", "print", "do", "break", "continue",
            "trans", "endtrans", "pluralize",
        ],
        StringComparer.Ordinal);

    private static readonly HashSet<string> ClosingTags =
        new(["elif", "else", "endif", "endfor", "endset", "endraw"], StringComparer.Ordinal);

    private static readonly Dictionary<string, string> MethodAlternatives = new(StringComparer.Ordinal)
    {
        ["upper"] = "the '|upper' filter",
        ["lower"] = "the '|lower' filter",
        ["title"] = "the '|title' filter",
        ["capitalize"] = "the '|capitalize' filter",
        ["strip"] = "the '|trim' filter",
        ["replace"] = "the '|replace' filter",
        ["format"] = "the '|format' filter or the % operator",
        ["join"] = "the '|join' filter",
        ["get"] = "a subscript such as x['key'] with the '|default' filter",
    };

    private readonly TemplateSource _source;
    private readonly List<TemplateToken> _tokens;
    private int _index;
    private int _lastEnd;
    private int _loopDepth;
    private int _nesting;
    private int _blockNesting;

    private TemplateParser(TemplateSource source, List<TemplateToken> tokens)
    {
        _source = source;
        _tokens = tokens;
    }

    public static TemplateNode[] Parse(TemplateSource source) =>
        new TemplateParser(source, TemplateLexer.Tokenize(source)).ParseBody(null);

    private sealed record OpenBlock(TemplateToken Tag, string[] EndTags, string Closer);

    private sealed record SliceParts(Expression? Start, Expression? Stop, Expression? Step);

    private sealed record CallArguments(List<Expression> Positional, List<(string Name, Expression Value, TemplateToken Token)> Named)
    {
        public int Count => Positional.Count + Named.Count;
    }

    // ---- token stream ------------------------------------------------------------------------------------------

    private TemplateToken Current => _tokens[_index];

    private TemplateToken Peek(int distance) => _tokens[Math.Min(_index + distance, _tokens.Count - 1)];

    private TemplateToken Advance()
    {
        var token = _tokens[_index];
        if (_index < _tokens.Count - 1)
        {
            _index++;
        }

        _lastEnd = token.Offset + token.Text.Length;
        return token;
    }

    private TemplateSyntaxException Error(int offset, string reason) => _source.SyntaxError(offset, reason);

    private TemplateSyntaxException Error(TemplateToken token, string reason) => _source.SyntaxError(token.Offset, reason);

    private TemplateToken Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind)
        {
            throw Error(Current, $"expected {what}, got {Current.Describe()}");
        }

        return Advance();
    }

    private void ExpectOperator(string op)
    {
        if (!Current.IsOperator(op))
        {
            throw Error(Current, $"expected '{op}', got {Current.Describe()}");
        }

        Advance();
    }

    private void ExpectName(string name)
    {
        if (!Current.IsName(name))
        {
            throw Error(Current, $"expected '{name}', got {Current.Describe()}");
        }

        Advance();
    }

    private void ExpectBlockEnd(string tag)
    {
        if (Current.IsOperator(":"))
        {
            Advance();
        }

        if (Current.Kind != TokenKind.BlockEnd)
        {
            throw Error(Current, $"expected '%}}' to end the '{tag}' tag, got {Current.Describe()}");
        }

        Advance();
    }

    /// <summary>The source text from <paramref name="start"/> to the last consumed token, whitespace collapsed.</summary>
    private string Text(int start)
    {
        var sb = new StringBuilder();
        var space = false;
        foreach (var c in _source.Text.AsSpan(start, Math.Max(0, _lastEnd - start)))
        {
            if (PythonText.IsSpace(c))
            {
                space = true;
                continue;
            }

            if (space && sb.Length > 0)
            {
                sb.Append(' ');
            }

            space = false;
            sb.Append(c);
        }

        return sb.ToString();
    }

    // ---- statements --------------------------------------------------------------------------------------------

    private TemplateNode[] ParseBody(OpenBlock? open)
    {
        var nodes = new List<TemplateNode>();
        while (true)
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.Data:
                    Advance();
                    if (nodes.Count > 0 && nodes[^1] is TextNode previous)
                    {
                        nodes[^1] = new TextNode(previous.Text + token.Text);
                    }
                    else
                    {
                        nodes.Add(new TextNode(token.Text));
                    }

                    break;
                case TokenKind.VariableBegin:
                    Advance();
                    var expression = ParseTuple(withCondExpr: true);
                    Expect(TokenKind.VariableEnd, "'}}'");
                    nodes.Add(new OutputNode(expression));
                    break;
                case TokenKind.BlockBegin:
                    Advance();
                    var tag = Current;
                    if (tag.Kind != TokenKind.Name)
                    {
                        throw Error(tag, $"expected a tag name after '{{%', got {tag.Describe()}");
                    }

                    if (open is not null && open.EndTags.Contains(tag.Text, StringComparer.Ordinal))
                    {
                        return [.. nodes];
                    }

                    nodes.Add(ParseStatement(tag, open));
                    break;
                default:
                    if (open is not null)
                    {
                        throw Error(open.Tag, $"'{open.Tag.Text}' tag is never closed; expected '{{% {open.Closer} %}}'");
                    }

                    return [.. nodes];
            }
        }
    }

    private TemplateNode ParseStatement(TemplateToken tag, OpenBlock? open)
    {
        switch (tag.Text)
        {
            case "if" or "for" or "set":
                if (++_blockNesting > MaxBlockNesting)
                {
                    throw Error(tag, $"blocks are nested more than {MaxBlockNesting} levels deep");
                }

                TemplateNode node = tag.Text switch
                {
                    "if" => ParseIf(tag),
                    "for" => ParseFor(tag),
                    _ => ParseSet(tag),
                };
                _blockNesting--;
                return node;
            case "raw":
                throw Error(tag, "malformed 'raw' tag; write '{% raw %}' with nothing else inside the tag");
        }

        if (UnsupportedTags.Contains(tag.Text))
        {
            throw Error(tag, $"tag '{tag.Text}' is not supported; supported tags are {SupportedTags}");
        }

        if (ClosingTags.Contains(tag.Text))
        {
            if (open is null)
            {
                throw Error(tag, $"unexpected '{tag.Text}' tag: there is no open block it belongs to");
            }

            var (line, column) = _source.GetPosition(open.Tag.Offset);
            var expected = string.Join(" or ", open.EndTags.Select(t => $"'{t}'"));
            throw Error(tag, $"unexpected '{tag.Text}' tag: the innermost open block is '{open.Tag.Text}' (line {line}, column {column}), which expects {expected}");
        }

        throw Error(tag, $"unknown tag '{tag.Text}'; supported tags are {SupportedTags}");
    }

    private IfNode ParseIf(TemplateToken tag)
    {
        Advance();
        var conditions = new List<Expression>();
        var bodies = new List<TemplateNode[]>();
        TemplateNode[]? elseBody = null;
        var open = new OpenBlock(tag, ["elif", "else", "endif"], "endif");
        while (true)
        {
            conditions.Add(ParseTuple(withCondExpr: false));
            ExpectBlockEnd(bodies.Count == 0 ? "if" : "elif");
            bodies.Add(ParseBody(open));
            var next = Advance();
            if (next.Text == "elif")
            {
                continue;
            }

            if (next.Text == "else")
            {
                ExpectBlockEnd("else");
                elseBody = ParseBody(new OpenBlock(tag, ["endif"], "endif"));
                Advance();
            }

            Expect(TokenKind.BlockEnd, "'%}' after 'endif'");
            return new IfNode([.. conditions], [.. bodies], elseBody);
        }
    }

    private ForNode ParseFor(TemplateToken tag)
    {
        Advance();
        var (targets, unpack) = ParseAssignTarget("in");
        if (targets.Contains("loop", StringComparer.Ordinal))
        {
            throw Error(tag, "can't assign to the special 'loop' variable in a for loop target");
        }

        ExpectName("in");
        var iterable = ParseTuple(withCondExpr: false, extraEnd: "recursive");
        Expression? filter = null;
        if (Current.IsName("if"))
        {
            Advance();
            filter = ParseExpression(withCondExpr: true);
        }

        if (Current.IsName("recursive"))
        {
            throw Error(Current, "recursive loops ('for ... recursive') are not supported");
        }

        ExpectBlockEnd("for");
        _loopDepth++;
        var body = ParseBody(new OpenBlock(tag, ["endfor", "else"], "endfor"));
        _loopDepth--;
        TemplateNode[]? elseBody = null;
        if (Advance().Text == "else")
        {
            ExpectBlockEnd("else");
            elseBody = ParseBody(new OpenBlock(tag, ["endfor"], "endfor"));
            Advance();
        }

        Expect(TokenKind.BlockEnd, "'%}' after 'endfor'");
        return new ForNode(tag.Offset, targets, unpack, iterable, filter, body, elseBody);
    }

    private TemplateNode ParseSet(TemplateToken tag)
    {
        Advance();
        if (Current.Kind == TokenKind.Name && Peek(1).IsOperator("."))
        {
            throw Error(Current, "assigning to an attribute ('set ns.attr = ...') is not supported; namespace() is not available");
        }

        var (targets, unpack) = ParseAssignTarget(null);
        if (Current.IsOperator("="))
        {
            Advance();
            var value = ParseTuple(withCondExpr: true);
            Expect(TokenKind.BlockEnd, "'%}' to end the 'set' tag");
            return new SetNode(tag.Offset, targets, unpack, value);
        }

        if (unpack)
        {
            throw Error(Current, "a block set ('{% set name %}...{% endset %}') takes a single variable name");
        }

        if (Current.IsOperator("|"))
        {
            throw Error(Current, "filters on a block set ('{% set name | filter %}') are not supported; apply the filter where the variable is used");
        }

        if (Current.Kind != TokenKind.BlockEnd)
        {
            throw Error(Current, $"expected '=' or '%}}' after the variable name in 'set', got {Current.Describe()}");
        }

        Advance();
        var body = ParseBody(new OpenBlock(tag, ["endset"], "endset"));
        Advance();
        Expect(TokenKind.BlockEnd, "'%}' after 'endset'");
        return new SetBlockNode(targets[0], body);
    }

    private (string[] Names, bool Unpack) ParseAssignTarget(string? extraEnd)
    {
        var names = new List<string>();
        var unpack = false;
        var parenthesized = Current.IsOperator("(");
        if (parenthesized)
        {
            Advance();
        }

        while (true)
        {
            if (names.Count > 0)
            {
                if (!Current.IsOperator(","))
                {
                    break;
                }

                Advance();
                unpack = true;
            }

            var token = Current;
            var atEnd = token.Kind is TokenKind.BlockEnd or TokenKind.VariableEnd || token.IsOperator(")") ||
                token.IsOperator("=") || (extraEnd is not null && token.IsName(extraEnd));
            if (atEnd && names.Count > 0)
            {
                break;
            }

            if (token.Kind != TokenKind.Name || token.Text is "true" or "false" or "True" or "False" or "none" or "None")
            {
                throw Error(token, $"can't assign to {token.Describe()}; expected a variable name");
            }

            Advance();
            names.Add(token.Text);
        }

        if (parenthesized)
        {
            ExpectOperator(")");
        }

        return ([.. names], unpack);
    }

    // ---- expressions -------------------------------------------------------------------------------------------

    private bool IsTupleEnd(string? extraEnd) =>
        Current.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd || Current.IsOperator(")") ||
        (extraEnd is not null && Current.IsName(extraEnd));

    private Expression ParseTuple(bool withCondExpr = true, string? extraEnd = null, bool explicitParentheses = false)
    {
        var offset = Current.Offset;
        var items = new List<Expression>();
        var isTuple = false;
        while (true)
        {
            if (items.Count > 0)
            {
                ExpectOperator(",");
            }

            if (IsTupleEnd(extraEnd))
            {
                break;
            }

            items.Add(ParseExpression(withCondExpr));
            if (Current.IsOperator(","))
            {
                isTuple = true;
            }
            else
            {
                break;
            }
        }

        if (!isTuple)
        {
            if (items.Count > 0)
            {
                return items[0];
            }

            if (!explicitParentheses)
            {
                throw Error(Current, $"expected an expression, got {Current.Describe()}");
            }
        }

        return new TupleExpression(offset, [.. items]);
    }

    private Expression ParseExpression(bool withCondExpr) => withCondExpr ? ParseConditional() : ParseOr();

    private Expression ParseConditional()
    {
        var start = Current.Offset;
        var result = ParseOr();
        while (Current.IsName("if"))
        {
            var ifToken = Advance();
            var condition = ParseOr();
            Expression? otherwise = null;
            if (Current.IsName("else"))
            {
                Advance();
                otherwise = ParseConditional();
            }

            var (line, _) = _source.GetPosition(ifToken.Offset);
            var undefined = new UndefinedValue($"the inline if-expression on line {line} evaluated to false and no else section was defined");
            result = new ConditionalExpression(start, condition, result, otherwise, undefined);
        }

        return result;
    }

    private Expression ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            var token = Advance();
            left = new LogicalExpression(token.Offset, isAnd: false, left, ParseAnd());
        }

        return left;
    }

    private Expression ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            var token = Advance();
            left = new LogicalExpression(token.Offset, isAnd: true, left, ParseNot());
        }

        return left;
    }

    private Expression ParseNot()
    {
        if (Current.IsName("not"))
        {
            var token = Advance();
            EnterNesting(token);
            var operand = ParseNot();
            _nesting--;
            return new NotExpression(token.Offset, operand);
        }

        return ParseCompare();
    }

    private Expression ParseCompare()
    {
        var start = Current.Offset;
        var first = ParseMath1();
        var rest = new List<(CompareOperator, Expression, int)>();
        while (true)
        {
            var token = Current;
            CompareOperator op;
            if (token.Kind == TokenKind.Operator && token.Text is "==" or "!=" or "<" or "<=" or ">" or ">=")
            {
                op = token.Text switch
                {
                    "==" => CompareOperator.Equal,
                    "!=" => CompareOperator.NotEqual,
                    "<" => CompareOperator.Less,
                    "<=" => CompareOperator.LessOrEqual,
                    ">" => CompareOperator.Greater,
                    _ => CompareOperator.GreaterOrEqual,
                };
                Advance();
            }
            else if (token.IsName("in"))
            {
                op = CompareOperator.In;
                Advance();
            }
            else if (token.IsName("not") && Peek(1).IsName("in"))
            {
                op = CompareOperator.NotIn;
                Advance();
                Advance();
            }
            else
            {
                break;
            }

            rest.Add((op, ParseMath1(), token.Offset));
        }

        return rest.Count == 0 ? first : new CompareExpression(start, first, [.. rest]);
    }

    private Expression ParseMath1()
    {
        var left = ParseConcat();
        while (Current.IsOperator("+") || Current.IsOperator("-"))
        {
            var token = Advance();
            var op = token.Text == "+" ? BinaryOperator.Add : BinaryOperator.Subtract;
            left = new BinaryExpression(token.Offset, op, left, ParseConcat());
        }

        return left;
    }

    private Expression ParseConcat()
    {
        var start = Current.Offset;
        var first = ParseMath2();
        if (!Current.IsOperator("~"))
        {
            return first;
        }

        var parts = new List<Expression> { first };
        while (Current.IsOperator("~"))
        {
            Advance();
            parts.Add(ParseMath2());
        }

        return new ConcatExpression(start, [.. parts]);
    }

    private Expression ParseMath2()
    {
        var left = ParsePower();
        while (Current.Kind == TokenKind.Operator && Current.Text is "*" or "/" or "//" or "%")
        {
            var token = Advance();
            var op = token.Text switch
            {
                "*" => BinaryOperator.Multiply,
                "/" => BinaryOperator.Divide,
                "//" => BinaryOperator.FloorDivide,
                _ => BinaryOperator.Modulo,
            };
            left = new BinaryExpression(token.Offset, op, left, ParsePower());
        }

        return left;
    }

    private Expression ParsePower()
    {
        // Left-associative, as in Jinja2: 2 ** 3 ** 2 is 64.
        var left = ParseUnary(withFilter: true);
        while (Current.IsOperator("**"))
        {
            var token = Advance();
            left = new BinaryExpression(token.Offset, BinaryOperator.Power, left, ParseUnary(withFilter: true));
        }

        return left;
    }

    private void EnterNesting(TemplateToken token)
    {
        if (++_nesting > MaxNesting)
        {
            throw Error(token, $"expression is nested more than {MaxNesting} levels deep");
        }
    }

    private Expression ParseUnary(bool withFilter)
    {
        var token = Current;
        var start = token.Offset;
        EnterNesting(token);
        Expression node;
        if (token.IsOperator("-") || token.IsOperator("+"))
        {
            Advance();
            node = new UnaryExpression(token.Offset, negate: token.Text == "-", ParseUnary(withFilter: false));
        }
        else
        {
            node = ParsePrimary();
        }

        node = ParsePostfix(node, start);
        if (withFilter)
        {
            node = ParseFilterExpression(node, start);
        }

        _nesting--;
        return node;
    }

    private Expression ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Name:
                Advance();
                return token.Text switch
                {
                    "true" or "True" => new ConstantExpression(token.Offset, PythonOps.Box(true)),
                    "false" or "False" => new ConstantExpression(token.Offset, PythonOps.Box(false)),
                    "none" or "None" => new ConstantExpression(token.Offset, null),
                    _ => new NameExpression(token.Offset, token.Text),
                };
            case TokenKind.String:
                Advance();
                var text = (string)token.Value!;
                while (Current.Kind == TokenKind.String)
                {
                    text += (string)Advance().Value!;
                }

                return new ConstantExpression(token.Offset, text);
            case TokenKind.Integer:
                Advance();
                return new ConstantExpression(token.Offset, PythonOps.Box((long)token.Value!));
            case TokenKind.Float:
                Advance();
                return new ConstantExpression(token.Offset, token.Value);
        }

        if (token.IsOperator("("))
        {
            Advance();
            var inner = ParseTuple(explicitParentheses: true);
            ExpectOperator(")");
            return inner;
        }

        if (token.IsOperator("["))
        {
            return ParseList();
        }

        if (token.IsOperator("{"))
        {
            return ParseDict();
        }

        throw Error(token, $"unexpected {token.Describe()}");
    }

    private ListExpression ParseList()
    {
        var open = Advance();
        var items = new List<Expression>();
        while (!Current.IsOperator("]"))
        {
            if (items.Count > 0)
            {
                ExpectOperator(",");
            }

            if (Current.IsOperator("]"))
            {
                break;
            }

            items.Add(ParseExpression(withCondExpr: true));
        }

        ExpectOperator("]");
        return new ListExpression(open.Offset, [.. items]);
    }

    private DictExpression ParseDict()
    {
        var open = Advance();
        var pairs = new List<(Expression, Expression)>();
        while (!Current.IsOperator("}"))
        {
            if (pairs.Count > 0)
            {
                ExpectOperator(",");
            }

            if (Current.IsOperator("}"))
            {
                break;
            }

            var key = ParseExpression(withCondExpr: true);
            ExpectOperator(":");
            pairs.Add((key, ParseExpression(withCondExpr: true)));
        }

        ExpectOperator("}");
        return new DictExpression(open.Offset, [.. pairs]);
    }

    private Expression ParsePostfix(Expression node, int start)
    {
        while (true)
        {
            if (Current.IsOperator(".") || Current.IsOperator("["))
            {
                node = ParseSubscript(node, start);
            }
            else if (Current.IsOperator("("))
            {
                node = ParseCall(node, start);
            }
            else
            {
                return node;
            }
        }
    }

    private Expression ParseFilterExpression(Expression node, int start)
    {
        while (true)
        {
            if (Current.IsOperator("|"))
            {
                node = ParseFilter(node);
            }
            else if (Current.IsName("is"))
            {
                node = ParseTest(node);
            }
            else if (Current.IsOperator("("))
            {
                node = ParseCall(node, start);
            }
            else
            {
                return node;
            }
        }
    }

    private Expression ParseSubscript(Expression node, int start)
    {
        var token = Advance();
        if (token.IsOperator("."))
        {
            var attribute = Advance();
            if (attribute.Kind == TokenKind.Name)
            {
                return new AttributeExpression(attribute.Offset, node, attribute.Text, Text(start));
            }

            if (attribute.Kind == TokenKind.Integer)
            {
                var index = new ConstantExpression(attribute.Offset, PythonOps.Box((long)attribute.Value!));
                return new ItemExpression(attribute.Offset, node, index, Text(start));
            }

            throw Error(attribute, $"expected an attribute name or an index after '.', got {attribute.Describe()}");
        }

        var items = new List<object>();
        while (!Current.IsOperator("]"))
        {
            if (items.Count > 0)
            {
                ExpectOperator(",");
                if (Current.IsOperator("]"))
                {
                    break;
                }
            }

            items.Add(ParseSubscribed());
        }

        ExpectOperator("]");
        var text = Text(start);
        switch (items.Count)
        {
            case 0:
                throw Error(token, "expected a subscript expression inside '[]'");
            case 1:
                return items[0] is SliceParts slice
                    ? new SliceExpression(token.Offset, node, slice.Start, slice.Stop, slice.Step, text)
                    : new ItemExpression(token.Offset, node, (Expression)items[0], text);
        }

        if (items.Any(item => item is SliceParts))
        {
            throw Error(token, "slices inside a tuple subscript are not supported");
        }

        return new ItemExpression(token.Offset, node, new TupleExpression(token.Offset, [.. items.Cast<Expression>()]), text);
    }

    private object ParseSubscribed()
    {
        Expression? start = null;
        if (Current.IsOperator(":"))
        {
            Advance();
        }
        else
        {
            var node = ParseExpression(withCondExpr: true);
            if (!Current.IsOperator(":"))
            {
                return node;
            }

            Advance();
            start = node;
        }

        Expression? stop = null;
        Expression? step = null;
        if (!Current.IsOperator(":") && !Current.IsOperator("]") && !Current.IsOperator(","))
        {
            stop = ParseExpression(withCondExpr: true);
        }

        if (Current.IsOperator(":"))
        {
            Advance();
            if (!Current.IsOperator("]") && !Current.IsOperator(","))
            {
                step = ParseExpression(withCondExpr: true);
            }
        }

        return new SliceParts(start, stop, step);
    }

    private CallArguments ParseCallArguments()
    {
        ExpectOperator("(");
        var arguments = new CallArguments([], []);
        var requireComma = false;
        while (!Current.IsOperator(")"))
        {
            if (requireComma)
            {
                ExpectOperator(",");
                if (Current.IsOperator(")"))
                {
                    break;
                }
            }

            if (Current.IsOperator("*") || Current.IsOperator("**"))
            {
                throw Error(Current, "'*args' and '**kwargs' arguments are not supported");
            }

            if (Current.Kind == TokenKind.Name && Peek(1).IsOperator("="))
            {
                var name = Advance();
                Advance();
                if (arguments.Named.Any(n => n.Name == name.Text))
                {
                    throw Error(name, $"keyword argument '{name.Text}' is given twice");
                }

                arguments.Named.Add((name.Text, ParseExpression(withCondExpr: true), name));
            }
            else
            {
                if (arguments.Named.Count > 0)
                {
                    throw Error(Current, "a positional argument can't follow a keyword argument");
                }

                arguments.Positional.Add(ParseExpression(withCondExpr: true));
            }

            requireComma = true;
        }

        ExpectOperator(")");
        return arguments;
    }

    private Expression ParseCall(Expression node, int start)
    {
        var parenthesis = Current;
        var arguments = ParseCallArguments();
        switch (node)
        {
            case NameExpression { Name: "range" }:
                if (arguments.Named.Count > 0)
                {
                    throw Error(arguments.Named[0].Token, "range() does not take keyword arguments");
                }

                if (arguments.Positional.Count is < 1 or > 3)
                {
                    throw Error(parenthesis, $"range() takes 1 to 3 arguments ({arguments.Positional.Count} given)");
                }

                return new RangeExpression(node.Offset, [.. arguments.Positional]);
            case AttributeExpression { Target: NameExpression { Name: "loop" }, Name: "cycle" or "changed" } loopCall:
                if (_loopDepth == 0)
                {
                    throw Error(loopCall.Offset, $"loop.{loopCall.Name}() can only be used inside a for loop");
                }

                if (arguments.Named.Count > 0)
                {
                    throw Error(arguments.Named[0].Token, $"loop.{loopCall.Name}() does not take keyword arguments");
                }

                if (arguments.Positional.Count == 0)
                {
                    throw Error(parenthesis, $"loop.{loopCall.Name}() needs at least one value");
                }

                return new LoopCallExpression(loopCall.Offset, loopCall.Name == "changed", [.. arguments.Positional]);
            case AttributeExpression { Name: "items" or "keys" or "values" } view:
                if (arguments.Count > 0)
                {
                    throw Error(parenthesis, $"{view.Name}() takes no arguments");
                }

                var kind = view.Name switch
                {
                    "items" => MappingViewKind.Items,
                    "keys" => MappingViewKind.Keys,
                    _ => MappingViewKind.Values,
                };
                var text = Text(start);
                return new MappingViewExpression(view.Offset, view.Target, kind, text[..text.LastIndexOf('.')]);
            case AttributeExpression method:
                var hint = MethodAlternatives.TryGetValue(method.Name, out var alternative) ? $"; use {alternative} instead" : string.Empty;
                throw Error(method.Offset, $"method call '.{method.Name}()' is not supported; only .items(), .keys() and .values() of a mapping can be called{hint}");
            case NameExpression function:
                throw Error(function.Offset, $"function '{function.Name}()' is not supported; the only function is range() (and loop.cycle(), loop.changed() inside loops)");
            default:
                throw Error(parenthesis, "this expression can't be called; the only calls are range(), loop.cycle(), loop.changed() and .items(), .keys(), .values() of a mapping");
        }
    }

    private Expression ParseFilter(Expression input)
    {
        Advance();
        var nameToken = Expect(TokenKind.Name, "a filter name after '|'");
        var name = nameToken.Text;
        while (Current.IsOperator("."))
        {
            Advance();
            name += "." + Expect(TokenKind.Name, "a name after '.'").Text;
        }

        var arguments = Current.IsOperator("(") ? ParseCallArguments() : new CallArguments([], []);
        switch (name)
        {
            case "map":
                return BuildMap(nameToken, input, arguments);
            case "select" or "reject" or "selectattr" or "rejectattr":
                return BuildSelect(nameToken, name, input, arguments);
            case "format":
                if (arguments.Positional.Count > 0 && arguments.Named.Count > 0)
                {
                    throw Error(nameToken, "filter 'format' can't take positional and keyword arguments at the same time");
                }

                return new FormatExpression(nameToken.Offset, input, [.. arguments.Positional], [.. arguments.Named.Select(n => (n.Name, n.Value))]);
        }

        if (!FilterCatalog.TryGet(name, out var definition))
        {
            throw Error(nameToken, $"unknown filter '{name}'; supported filters are {FilterCatalog.SupportedNames}");
        }

        return new FilterExpression(nameToken.Offset, input, definition, Bind(nameToken, definition, arguments));
    }

    /// <summary>Binds call arguments to the filter's parameters, filling in defaults, as Python would at call time.</summary>
    private Expression[] Bind(TemplateToken at, FilterDefinition definition, CallArguments arguments)
    {
        var parameters = definition.Parameters;
        var description = $"filter '{definition.Name}'";
        var slots = new Expression?[parameters.Count];
        if (arguments.Positional.Count > parameters.Count)
        {
            throw Error(arguments.Positional[parameters.Count].Offset, parameters.Count == 0
                ? $"{description} takes no arguments ({arguments.Positional.Count} given)"
                : $"{description} takes at most {parameters.Count} argument{(parameters.Count == 1 ? string.Empty : "s")} ({arguments.Positional.Count} given)");
        }

        for (var i = 0; i < arguments.Positional.Count; i++)
        {
            slots[i] = arguments.Positional[i];
        }

        foreach (var (name, value, token) in arguments.Named)
        {
            var index = -1;
            for (var i = 0; i < parameters.Count; i++)
            {
                if (parameters[i].Name == name)
                {
                    index = i;
                }
            }

            if (index < 0)
            {
                var known = parameters.Count == 0 ? "it takes no arguments" : "its arguments are " + string.Join(", ", parameters.Select(p => p.Name));
                throw Error(token, $"{description} has no argument named '{name}'; {known}");
            }

            if (slots[index] is not null)
            {
                throw Error(token, $"{description} got two values for the argument '{name}'");
            }

            slots[index] = value;
        }

        var bound = new Expression[parameters.Count];
        for (var i = 0; i < bound.Length; i++)
        {
            if (slots[i] is null && parameters[i].Required)
            {
                throw Error(at, $"{description} requires the argument '{parameters[i].Name}'");
            }

            bound[i] = slots[i] ?? new ConstantExpression(at.Offset, parameters[i].Default);
        }

        return bound;
    }

    private MapExpression BuildMap(TemplateToken nameToken, Expression input, CallArguments arguments)
    {
        if (arguments.Positional.Count == 0)
        {
            Expression? attribute = null;
            Expression? fallback = null;
            foreach (var (name, value, token) in arguments.Named)
            {
                switch (name)
                {
                    case "attribute":
                        attribute = value;
                        break;
                    case "default":
                        fallback = value;
                        break;
                    default:
                        throw Error(token, $"filter 'map' has no argument named '{name}'; with attribute= it only takes default=");
                }
            }

            if (attribute is null)
            {
                throw Error(nameToken, "filter 'map' needs a filter name, as in map('upper'), or an attribute, as in map(attribute='name')");
            }

            return new MapExpression(nameToken.Offset, input, attribute, fallback, null, []);
        }

        var first = arguments.Positional[0];
        if (first is not ConstantExpression { Value: string filterName })
        {
            throw Error(first.Offset, "the filter name given to 'map' must be a string literal");
        }

        if (FilterCatalog.VariadicFilters.Contains(filterName))
        {
            throw Error(first.Offset, $"'map' can't apply the filter '{filterName}'");
        }

        if (!FilterCatalog.TryGet(filterName, out var definition))
        {
            throw Error(first.Offset, $"unknown filter '{filterName}' given to 'map'; supported filters are {FilterCatalog.SupportedNames}");
        }

        var rest = new CallArguments([.. arguments.Positional.Skip(1)], arguments.Named);
        return new MapExpression(nameToken.Offset, input, null, null, definition, Bind(nameToken, definition, rest));
    }

    private SelectExpression BuildSelect(TemplateToken nameToken, string name, Expression input, CallArguments arguments)
    {
        if (arguments.Named.Count > 0)
        {
            throw Error(arguments.Named[0].Token, $"filter '{name}' does not take keyword arguments");
        }

        var positional = arguments.Positional;
        var byAttribute = name.EndsWith("attr", StringComparison.Ordinal);
        var next = 0;
        Expression? attribute = null;
        if (byAttribute)
        {
            if (positional.Count == 0)
            {
                throw Error(nameToken, $"filter '{name}' needs the attribute to test, as in {name}('active')");
            }

            attribute = positional[0];
            next = 1;
        }

        TestDefinition? test = null;
        Expression? argument = null;
        if (positional.Count > next)
        {
            var testName = positional[next];
            if (testName is not ConstantExpression { Value: string testText })
            {
                throw Error(testName.Offset, $"the test name given to '{name}' must be a string literal");
            }

            if (!TestFunctionCatalog.TryGet(testText, out test))
            {
                throw Error(testName.Offset, $"unknown test '{testText}'; supported tests are {TestFunctionCatalog.SupportedNames}");
            }

            var given = positional.Count - next - 1;
            var expected = test.Parameter is null ? 0 : 1;
            if (given != expected)
            {
                throw Error(testName.Offset, expected == 0
                    ? $"test '{testText}' takes no argument ({given} given)"
                    : $"test '{testText}' takes exactly one argument ({given} given)");
            }

            if (expected == 1)
            {
                argument = positional[next + 1];
            }
        }

        return new SelectExpression(nameToken.Offset, name, input, attribute, test, argument, reject: name.StartsWith("reject", StringComparison.Ordinal));
    }

    private Expression ParseTest(Expression input)
    {
        var isToken = Advance();
        var negated = false;
        if (Current.IsName("not"))
        {
            Advance();
            negated = true;
        }

        var nameToken = Expect(TokenKind.Name, "a test name after 'is'");
        var name = nameToken.Text;
        while (Current.IsOperator("."))
        {
            Advance();
            name += "." + Expect(TokenKind.Name, "a name after '.'").Text;
        }

        if (!TestFunctionCatalog.TryGet(name, out var definition))
        {
            throw Error(nameToken, $"unknown test '{name}'; supported tests are {TestFunctionCatalog.SupportedNames}");
        }

        Expression? argument = null;
        if (Current.IsOperator("("))
        {
            var arguments = ParseCallArguments();
            if (definition.Parameter is null)
            {
                if (arguments.Count > 0)
                {
                    throw Error(nameToken, $"test '{name}' takes no argument");
                }
            }
            else if (arguments.Positional.Count == 1 && arguments.Named.Count == 0)
            {
                argument = arguments.Positional[0];
            }
            else if (arguments.Positional.Count == 0 && arguments.Named.Count == 1 && arguments.Named[0].Name == definition.Parameter)
            {
                argument = arguments.Named[0].Value;
            }
            else
            {
                throw Error(nameToken, $"test '{name}' takes exactly one argument ({arguments.Count} given)");
            }
        }
        else if (definition.Parameter is not null && StartsPrimary(Current) &&
            !Current.IsName("else") && !Current.IsName("or") && !Current.IsName("and"))
        {
            if (Current.IsName("is"))
            {
                throw Error(Current, "tests can't be chained with 'is'");
            }

            var start = Current.Offset;
            argument = ParsePostfix(ParsePrimary(), start);
        }

        if (definition.Parameter is not null && argument is null)
        {
            throw Error(nameToken, $"test '{name}' needs an argument, as in 'is {name}(...)'");
        }

        Expression test = new TestExpression(nameToken.Offset, input, definition, argument);
        return negated ? new NotExpression(isToken.Offset, test) : test;
    }

    private static bool StartsPrimary(TemplateToken token) =>
        token.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float ||
        token.IsOperator("(") || token.IsOperator("[") || token.IsOperator("{");
}
