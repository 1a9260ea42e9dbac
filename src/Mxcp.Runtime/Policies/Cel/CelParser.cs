namespace Mxcp.Runtime.Policies.Cel;

/// <summary>
/// A recursive-descent parser for the CEL grammar (language definition, "Syntax"): <c>?:</c>, <c>||</c>,
/// <c>&amp;&amp;</c>, relations and <c>in</c>, additive, multiplicative and unary operators, member access, indexing,
/// calls, list and map literals. Protobuf message construction and the optional syntax (<c>.?</c>, <c>[?</c>) are
/// recognised and rejected as unsupported.
/// </summary>
internal sealed class CelParser
{
    /// <summary>The deepest nesting of parentheses, calls and literals accepted (CEL requires at least 32).</summary>
    public const int MaxNesting = 100;

    private static readonly HashSet<string> ReservedWords = new(StringComparer.Ordinal)
    {
        "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop", "package",
        "namespace", "return", "var", "void", "while",
    };

    private readonly string _source;
    private readonly CelLexer _lexer;
    private CelToken _token;
    private CelToken _next;
    private int _depth;

    private CelParser(string source)
    {
        _source = source;
        _lexer = new CelLexer(source);
        _token = _lexer.Next();
        _next = _lexer.Next();
    }

    /// <summary>Parses a whole expression. Throws <see cref="CelSyntaxException"/> at the first error.</summary>
    public static CelSyntax Parse(string source)
    {
        var parser = new CelParser(source);
        if (parser._token.Kind == CelTokenKind.End)
        {
            throw new CelSyntaxException(0, "empty expression");
        }

        var expression = parser.ParseExpression();
        if (parser._token.Kind != CelTokenKind.End)
        {
            throw parser.Unexpected("end of expression");
        }

        return expression;
    }

    private CelToken Advance()
    {
        var current = _token;
        _token = _next;
        _next = _token.Kind == CelTokenKind.End ? _token : _lexer.Next();
        return current;
    }

    private bool Accept(CelTokenKind kind)
    {
        if (_token.Kind == kind)
        {
            Advance();
            return true;
        }

        return false;
    }

    private CelToken Expect(CelTokenKind kind, string what)
    {
        if (_token.Kind != kind)
        {
            throw Unexpected(what);
        }

        return Advance();
    }

    private CelSyntaxException Unexpected(string expected) =>
        new(_token.Start, $"unexpected {_token.Describe(_source)}, expected {expected}");

    private CelSyntax ParseExpression()
    {
        if (++_depth > MaxNesting)
        {
            throw new CelSyntaxException(_token.Start, $"expression nested too deeply (more than {MaxNesting} levels)");
        }

        var condition = ParseOr();
        CelSyntax result = condition;
        if (_token.Kind == CelTokenKind.Question)
        {
            var question = Advance();
            var whenTrue = ParseOr();
            Expect(CelTokenKind.Colon, "':' of the conditional operator");
            var whenFalse = ParseExpression();
            result = new ConditionalSyntax(question.Start, condition, whenTrue, whenFalse);
        }

        _depth--;
        return result;
    }

    private CelSyntax ParseOr()
    {
        var first = ParseAnd();
        if (_token.Kind != CelTokenKind.OrOr)
        {
            return first;
        }

        var offset = _token.Start;
        var terms = new List<CelSyntax> { first };
        while (Accept(CelTokenKind.OrOr))
        {
            terms.Add(ParseAnd());
        }

        return new LogicalSyntax(offset, isAnd: false, [.. terms]);
    }

    private CelSyntax ParseAnd()
    {
        var first = ParseRelation();
        if (_token.Kind != CelTokenKind.AndAnd)
        {
            return first;
        }

        var offset = _token.Start;
        var terms = new List<CelSyntax> { first };
        while (Accept(CelTokenKind.AndAnd))
        {
            terms.Add(ParseRelation());
        }

        return new LogicalSyntax(offset, isAnd: true, [.. terms]);
    }

    private CelSyntax ParseRelation()
    {
        var left = ParseAddition();
        while (true)
        {
            CelBinaryOperator op;
            switch (_token.Kind)
            {
                case CelTokenKind.Less: op = CelBinaryOperator.Less; break;
                case CelTokenKind.LessEqual: op = CelBinaryOperator.LessEqual; break;
                case CelTokenKind.Greater: op = CelBinaryOperator.Greater; break;
                case CelTokenKind.GreaterEqual: op = CelBinaryOperator.GreaterEqual; break;
                case CelTokenKind.EqualEqual: op = CelBinaryOperator.Equal; break;
                case CelTokenKind.NotEqual: op = CelBinaryOperator.NotEqual; break;
                case CelTokenKind.In: op = CelBinaryOperator.In; break;
                default: return left;
            }

            var token = Advance();
            left = new BinarySyntax(token.Start, op, left, ParseAddition());
        }
    }

    private CelSyntax ParseAddition()
    {
        var left = ParseMultiplication();
        while (_token.Kind is CelTokenKind.Plus or CelTokenKind.Minus)
        {
            var token = Advance();
            var op = token.Kind == CelTokenKind.Plus ? CelBinaryOperator.Add : CelBinaryOperator.Subtract;
            left = new BinarySyntax(token.Start, op, left, ParseMultiplication());
        }

        return left;
    }

    private CelSyntax ParseMultiplication()
    {
        var left = ParseUnary();
        while (_token.Kind is CelTokenKind.Star or CelTokenKind.Slash or CelTokenKind.Percent)
        {
            var token = Advance();
            var op = token.Kind switch
            {
                CelTokenKind.Star => CelBinaryOperator.Multiply,
                CelTokenKind.Slash => CelBinaryOperator.Divide,
                _ => CelBinaryOperator.Modulo,
            };
            left = new BinarySyntax(token.Start, op, left, ParseUnary());
        }

        return left;
    }

    private CelSyntax ParseUnary()
    {
        if (_token.Kind == CelTokenKind.Bang)
        {
            var offsets = new List<int>();
            while (_token.Kind == CelTokenKind.Bang)
            {
                offsets.Add(Advance().Start);
            }

            var operand = ParseMember();
            for (var i = offsets.Count - 1; i >= 0; i--)
            {
                operand = new UnarySyntax(offsets[i], CelUnaryOperator.Not, operand);
            }

            return operand;
        }

        if (_token.Kind == CelTokenKind.Minus)
        {
            var offsets = new List<int>();
            while (_token.Kind == CelTokenKind.Minus)
            {
                offsets.Add(Advance().Start);
            }

            CelSyntax operand;
            if (_token.Kind is CelTokenKind.Int or CelTokenKind.Double)
            {
                // As in the CEL grammar, the minus directly before a number belongs to the literal, which is how
                // -9223372036854775808 (whose magnitude is not an int) is written.
                var minus = offsets[^1];
                offsets.RemoveAt(offsets.Count - 1);
                operand = ParsePostfix(NegativeLiteral(minus));
            }
            else
            {
                operand = ParseMember();
            }

            for (var i = offsets.Count - 1; i >= 0; i--)
            {
                operand = new UnarySyntax(offsets[i], CelUnaryOperator.Negate, operand);
            }

            return operand;
        }

        return ParseMember();
    }

    private LiteralSyntax NegativeLiteral(int minusOffset)
    {
        var token = Advance();
        var text = _source[minusOffset..token.End];
        if (token.Kind == CelTokenKind.Double)
        {
            return new LiteralSyntax(minusOffset, CelValue.Double(-token.Double), text);
        }

        if (token.Magnitude > 9223372036854775808UL)
        {
            throw new CelSyntaxException(minusOffset, "integer literal out of range for int");
        }

        var value = token.Magnitude == 9223372036854775808UL ? long.MinValue : -(long)token.Magnitude;
        return new LiteralSyntax(minusOffset, CelValue.Int(value), text);
    }

    private CelSyntax ParseMember() => ParsePostfix(ParsePrimary());

    private CelSyntax ParsePostfix(CelSyntax operand)
    {
        // Each selection, index or call nests the tree one level deeper; a long chain (a.b.c...) would make compiling
        // it quadratic, so chains are bounded like other nesting.
        var links = 0;
        while (true)
        {
            if (_token.Kind is CelTokenKind.Dot or CelTokenKind.LeftBracket && ++links > MaxNesting)
            {
                throw new CelSyntaxException(_token.Start, $"more than {MaxNesting} selections, indexes and calls in a row");
            }

            switch (_token.Kind)
            {
                case CelTokenKind.Dot:
                    {
                        var dot = Advance();
                        if (_token.Kind == CelTokenKind.Question)
                        {
                            throw Unsupported(dot.Start, "optional field selection ('.?')");
                        }

                        var (name, nameToken, quoted) = ExpectMemberName();
                        if (!quoted && _token.Kind == CelTokenKind.LeftParen)
                        {
                            Advance();
                            var arguments = ParseArguments(CelTokenKind.RightParen, "')' after the arguments");
                            operand = new CallSyntax(nameToken.Start, operand, name, arguments, rootScoped: false);
                        }
                        else
                        {
                            operand = new SelectSyntax(nameToken.Start, operand, name, quoted);
                        }

                        break;
                    }

                case CelTokenKind.LeftBracket:
                    {
                        var bracket = Advance();
                        if (_token.Kind == CelTokenKind.Question)
                        {
                            throw Unsupported(bracket.Start, "optional indexing ('[?')");
                        }

                        var index = ParseExpression();
                        Expect(CelTokenKind.RightBracket, "']'");
                        operand = new IndexSyntax(bracket.Start, operand, index);
                        break;
                    }

                case CelTokenKind.LeftBrace when IsQualifiedName(operand):
                    throw Unsupported(operand.Offset, "protobuf message construction ('Name{...}')");
                default:
                    return operand;
            }
        }
    }

    private static bool IsQualifiedName(CelSyntax syntax) => syntax switch
    {
        IdentSyntax => true,
        SelectSyntax { Quoted: false } select => IsQualifiedName(select.Operand),
        _ => false,
    };

    private (string Name, CelToken Token, bool Quoted) ExpectMemberName()
    {
        switch (_token.Kind)
        {
            case CelTokenKind.Identifier:
                {
                    var token = Advance();
                    return (token.Text!, token, false);
                }

            case CelTokenKind.QuotedIdentifier:
                {
                    var token = Advance();
                    return (token.Text!, token, true);
                }

            default:
                throw Unexpected("a field or function name after '.'");
        }
    }

    private CelSyntax ParsePrimary()
    {
        var token = _token;
        switch (token.Kind)
        {
            case CelTokenKind.Dot:
                {
                    Advance();
                    if (_token.Kind != CelTokenKind.Identifier)
                    {
                        throw Unexpected("an identifier after the leading '.'");
                    }

                    return ParseIdentifierOrCall(rootScoped: true);
                }

            case CelTokenKind.Identifier:
                return ParseIdentifierOrCall(rootScoped: false);
            case CelTokenKind.QuotedIdentifier:
                throw new CelSyntaxException(token.Start, "a quoted name (`...`) can only follow '.' in a field selection");
            case CelTokenKind.LeftParen:
                {
                    Advance();
                    var inner = ParseExpression();
                    Expect(CelTokenKind.RightParen, "')'");
                    return inner;
                }

            case CelTokenKind.LeftBracket:
                {
                    Advance();
                    if (_token.Kind == CelTokenKind.Question)
                    {
                        throw Unsupported(_token.Start, "optional list elements ('[?x]')");
                    }

                    return new ListSyntax(token.Start, ParseArguments(CelTokenKind.RightBracket, "']' at the end of the list"));
                }

            case CelTokenKind.LeftBrace:
                return ParseMap();
            case CelTokenKind.Int:
                Advance();
                if (token.Magnitude > long.MaxValue)
                {
                    throw new CelSyntaxException(token.Start, "integer literal out of range for int (add 'u' for a uint)");
                }

                return new LiteralSyntax(token.Start, CelValue.Int((long)token.Magnitude), _source[token.Start..token.End]);
            case CelTokenKind.Uint:
                Advance();
                return new LiteralSyntax(token.Start, CelValue.Uint(token.Magnitude), _source[token.Start..token.End]);
            case CelTokenKind.Double:
                Advance();
                return new LiteralSyntax(token.Start, CelValue.Double(token.Double), _source[token.Start..token.End]);
            case CelTokenKind.String:
                Advance();
                return new LiteralSyntax(token.Start, CelValue.String(token.Text!), _source[token.Start..token.End]);
            case CelTokenKind.Bytes:
                Advance();
                return new LiteralSyntax(token.Start, CelValue.Bytes(token.Bytes!), _source[token.Start..token.End]);
            case CelTokenKind.True:
                Advance();
                return new LiteralSyntax(token.Start, CelValue.True, "true");
            case CelTokenKind.False:
                Advance();
                return new LiteralSyntax(token.Start, CelValue.False, "false");
            case CelTokenKind.Null:
                Advance();
                return new LiteralSyntax(token.Start, CelValue.Null, "null");
            default:
                throw Unexpected("an expression");
        }
    }

    private CelSyntax ParseIdentifierOrCall(bool rootScoped)
    {
        var token = Advance();
        var name = token.Text!;
        if (ReservedWords.Contains(name))
        {
            throw new CelSyntaxException(token.Start, $"'{name}' is a reserved word and cannot be used as an identifier");
        }

        if (_token.Kind == CelTokenKind.LeftParen)
        {
            Advance();
            var arguments = ParseArguments(CelTokenKind.RightParen, "')' after the arguments");
            return new CallSyntax(token.Start, target: null, name, arguments, rootScoped);
        }

        return new IdentSyntax(token.Start, name, rootScoped);
    }

    private CelSyntax[] ParseArguments(CelTokenKind close, string expected)
    {
        if (Accept(close))
        {
            return [];
        }

        var items = new List<CelSyntax>();
        while (true)
        {
            items.Add(ParseExpression());
            if (Accept(close))
            {
                return [.. items];
            }

            if (!Accept(CelTokenKind.Comma))
            {
                throw Unexpected($"',' or {expected}");
            }

            // A trailing comma is allowed in list literals.
            if (close == CelTokenKind.RightBracket && Accept(close))
            {
                return [.. items];
            }
        }
    }

    private MapSyntax ParseMap()
    {
        var brace = Advance();
        var keys = new List<CelSyntax>();
        var values = new List<CelSyntax>();
        while (_token.Kind != CelTokenKind.RightBrace)
        {
            if (_token.Kind == CelTokenKind.Question)
            {
                throw Unsupported(_token.Start, "optional map entries ('{?key: value}')");
            }

            keys.Add(ParseExpression());
            Expect(CelTokenKind.Colon, "':' between a map key and its value");
            values.Add(ParseExpression());
            if (!Accept(CelTokenKind.Comma))
            {
                break;
            }
        }

        Expect(CelTokenKind.RightBrace, "',' or '}' at the end of the map");
        return new MapSyntax(brace.Start, [.. keys], [.. values]);
    }

    private static CelSyntaxException Unsupported(int offset, string feature) =>
        new(offset, $"unsupported: {feature} is not available in Mxcp policies");
}
