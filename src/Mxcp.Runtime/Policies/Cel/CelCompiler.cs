namespace Mxcp.Runtime.Policies.Cel;

/// <summary>
/// Turns a parsed expression into a tree of <see cref="CelNode"/>s: expands the macros, resolves names
/// (comprehension variables, qualified names, the container), binds functions to their implementations, folds
/// constant list and map literals, compiles constant regular expressions, and rejects what Mxcp does not support.
/// </summary>
internal sealed class CelCompiler
{
    /// <summary>The deepest expression tree accepted (it bounds the evaluator's recursion).</summary>
    public const int MaxDepth = 250;

    private static readonly HashSet<string> TypeNames = new(StringComparer.Ordinal)
    {
        "int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type", "dyn",
    };

    private static readonly Dictionary<string, string> UnsupportedFunctions = BuildUnsupportedFunctions();

    private static readonly HashSet<string> UnsupportedNamespaces = new(StringComparer.Ordinal)
    {
        "math", "strings", "base64", "cel", "optional", "sets", "lists", "regex", "google", "proto",
    };

    private static readonly Dictionary<string, CelOverload[]> Functions = BuildFunctions();

    private readonly string _source;
    private readonly CelCompileOptions _options;
    private readonly string[] _containerPrefixes;
    private readonly List<(int Offset, string Message)> _errors = [];
    private readonly List<(string Name, int Slot)> _locals = [];
    private int _slotCount;
    private int _depth;
    private bool _tooDeep;

    private CelCompiler(string source, CelCompileOptions options)
    {
        _source = source;
        _options = options;
        _containerPrefixes = ContainerPrefixes(options.Container);
    }

    /// <summary>The compiled root node and the number of comprehension-variable slots, or the errors.</summary>
    public static (CelNode? Root, int Slots, IReadOnlyList<CelDiagnostic> Diagnostics) Compile(string source, CelSyntax syntax, CelCompileOptions options)
    {
        var compiler = new CelCompiler(source, options);
        var root = compiler.CompileNode(syntax);
        if (compiler._errors.Count > 0)
        {
            var diagnostics = compiler._errors
                .OrderBy(e => e.Offset)
                .Select(e => CelDiagnostic.At(source, e.Offset, e.Message))
                .Distinct()
                .ToList();
            return (null, 0, diagnostics);
        }

        return (root, compiler._slotCount, []);
    }

    private static string[] ContainerPrefixes(string container)
    {
        if (string.IsNullOrEmpty(container))
        {
            return [""];
        }

        var parts = container.Split('.');
        var prefixes = new string[parts.Length + 1];
        for (var i = 0; i < parts.Length; i++)
        {
            prefixes[i] = string.Join('.', parts, 0, parts.Length - i) + ".";
        }

        prefixes[parts.Length] = "";
        return prefixes;
    }

    private ErrorNode Fail(int offset, string message, bool tooDeep = false)
    {
        _tooDeep |= tooDeep;
        _errors.Add((offset, message));
        return new ErrorNode(message);
    }

    private CelNode CompileNode(CelSyntax syntax)
    {
        if (++_depth > MaxDepth)
        {
            _depth--;
            var message = $"expression too complex (nested more than {MaxDepth} levels)";
            return _tooDeep ? new ErrorNode(message) : Fail(syntax.Offset, message, tooDeep: true);
        }

        var node = syntax switch
        {
            LiteralSyntax literal => new ConstantNode(literal.Value),
            IdentSyntax ident => CompileIdent(ident),
            SelectSyntax select => CompileSelect(select),
            IndexSyntax index => new IndexNode(CompileNode(index.Operand), CompileNode(index.Index), (index.Index as LiteralSyntax)?.Text),
            CallSyntax call => CompileCall(call),
            UnarySyntax unary => unary.Operator == CelUnaryOperator.Not
                ? new NotNode(CompileNode(unary.Operand))
                : new NegateNode(CompileNode(unary.Operand)),
            BinarySyntax binary => CompileBinary(binary),
            LogicalSyntax logical => logical.IsAnd
                ? new AndNode(CompileAll(logical.Terms))
                : new OrNode(CompileAll(logical.Terms)),
            ConditionalSyntax conditional => new ConditionalNode(
                CompileNode(conditional.Condition), CompileNode(conditional.WhenTrue), CompileNode(conditional.WhenFalse)),
            ListSyntax list => CompileList(list),
            MapSyntax map => CompileMap(map),
            _ => Fail(syntax.Offset, "unknown expression"),
        };
        _depth--;
        return node;
    }

    private CelNode[] CompileAll(CelSyntax[] syntaxes)
    {
        var nodes = new CelNode[syntaxes.Length];
        for (var i = 0; i < nodes.Length; i++)
        {
            nodes[i] = CompileNode(syntaxes[i]);
        }

        return nodes;
    }

    private bool TryGetLocal(string name, out int slot)
    {
        for (var i = _locals.Count - 1; i >= 0; i--)
        {
            if (_locals[i].Name == name)
            {
                slot = _locals[i].Slot;
                return true;
            }
        }

        slot = -1;
        return false;
    }

    private CelNode CompileIdent(IdentSyntax ident)
    {
        if (!ident.RootScoped && TryGetLocal(ident.Name, out var slot))
        {
            return new LocalNode(slot);
        }

        return CompileAttribute(ident, []);
    }

    private CelNode CompileSelect(SelectSyntax select)
    {
        // a.b.c may be a qualified variable name: collect the chain of unquoted selections down to an identifier.
        var fields = new List<string>();
        CelSyntax current = select;
        while (current is SelectSyntax { Quoted: false } link)
        {
            fields.Add(link.Field);
            current = link.Operand;
        }

        if (current is IdentSyntax root && fields.Count > 0 && (root.RootScoped || !TryGetLocal(root.Name, out _)))
        {
            fields.Reverse();
            return CompileAttribute(root, fields);
        }

        return new SelectNode(CompileNode(select.Operand), select.Field);
    }

    private CelNode CompileAttribute(IdentSyntax root, List<string> fields)
    {
        var declared = _options.DeclaredVariables;
        if (fields.Count == 0 && TypeNames.Contains(root.Name) && declared?.Contains(root.Name) != true)
        {
            return Fail(root.Offset, $"unsupported: type values ('{root.Name}') are not available in Mxcp policies");
        }

        var parts = new List<string>(fields.Count + 1) { root.Name };
        parts.AddRange(fields);
        var prefixes = root.RootScoped ? [""] : _containerPrefixes;
        var candidates = new List<AttributeCandidate>();
        for (var length = parts.Count; length >= 1; length--)
        {
            var qualified = string.Join('.', parts.GetRange(0, length));
            var rest = parts.GetRange(length, parts.Count - length).ToArray();
            foreach (var prefix in prefixes)
            {
                var name = prefix + qualified;
                candidates.Add(new AttributeCandidate(name, name.Contains('.', StringComparison.Ordinal), rest));
            }
        }

        if (declared is not null && !candidates.Exists(c => declared.Contains(c.Name)))
        {
            var available = string.Join(", ", declared.Order(StringComparer.Ordinal));
            return Fail(root.Offset, $"undeclared reference to '{root.Name}' (available variables: {available})");
        }

        return new AttributeNode([.. candidates], root.Name);
    }

    private CelNode CompileBinary(BinarySyntax binary)
    {
        var left = CompileNode(binary.Left);
        var right = CompileNode(binary.Right);
        return binary.Operator switch
        {
            CelBinaryOperator.Equal => new EqualityNode(left, right, negate: false),
            CelBinaryOperator.NotEqual => new EqualityNode(left, right, negate: true),
            CelBinaryOperator.Less or CelBinaryOperator.LessEqual or CelBinaryOperator.Greater or CelBinaryOperator.GreaterEqual =>
                new RelationNode(left, right, binary.Operator),
            CelBinaryOperator.In => new InNode(left, right),
            _ => new ArithmeticNode(left, right, binary.Operator),
        };
    }

    private CelNode CompileList(ListSyntax list)
    {
        var elements = CompileAll(list.Elements);
        if (Array.TrueForAll(elements, e => e is ConstantNode))
        {
            var values = Array.ConvertAll(elements, e => ((ConstantNode)e).Value);
            return new ConstantNode(CelValue.List(values.Length == 0 ? ArrayCelList.Empty : new ArrayCelList(values)));
        }

        return new ListNode(elements);
    }

    private CelNode CompileMap(MapSyntax map)
    {
        var keys = CompileAll(map.Keys);
        var values = CompileAll(map.Values);
        for (var i = 0; i < keys.Length; i++)
        {
            if (keys[i] is ConstantNode { Value: var key } && !CelMap.IsKeyKind(key.Kind))
            {
                return Fail(map.Keys[i].Offset, $"unsupported map key type {key.TypeName} (keys are bool, int, uint or string)");
            }
        }

        if (Array.TrueForAll(keys, k => k is ConstantNode) && Array.TrueForAll(values, v => v is ConstantNode))
        {
            var created = DictionaryCelMap.Create(
                Array.ConvertAll(keys, k => ((ConstantNode)k).Value),
                Array.ConvertAll(values, v => ((ConstantNode)v).Value));
            return created.IsError ? Fail(map.Offset, created.AsError.Message) : new ConstantNode(created);
        }

        return new MapNode(keys, values);
    }

    private CelNode CompileCall(CallSyntax call)
    {
        var function = call.Function;
        var arguments = call.Arguments;
        if (call.Target is null && function == "has")
        {
            if (arguments.Length != 1 || arguments[0] is not SelectSyntax field)
            {
                return Fail(call.Offset, "has() takes one field selection, for example has(user.email)");
            }

            return new HasNode(CompileNode(field.Operand), field.Field);
        }

        if (call.Target is not null && MacroOf(function) is { } macro)
        {
            if (arguments.Length == 2 || (macro == CelMacro.Map && arguments.Length == 3))
            {
                return CompileComprehension(call, macro);
            }

            if (arguments.Length == 3)
            {
                return Fail(call.Offset, $"unsupported: two-variable comprehensions ({function}(k, v, ...)) are not available in Mxcp policies");
            }

            return Fail(call.Offset, $"{function}() takes a variable name and an expression, for example list.{function}(x, x > 0)");
        }

        if (call.Target is not null && TryQualifiedName(call.Target, out var qualified))
        {
            var space = qualified.Split('.')[0];
            if (UnsupportedNamespaces.Contains(space) && _options.DeclaredVariables?.Contains(space) != true)
            {
                return Fail(call.Offset, $"unsupported: function '{qualified}.{function}' is not available in Mxcp policies");
            }
        }

        if (UnsupportedFunctions.TryGetValue(function, out var reason))
        {
            return Fail(call.Offset, reason);
        }

        if (!Functions.TryGetValue(function, out var overloads))
        {
            if (_options.AllowUnknownFunctions)
            {
                return new ErrorNode($"unknown function '{function}'");
            }

            return Fail(call.Offset, $"unknown function '{function}'");
        }

        var receiver = call.Target is not null;
        var overload = Array.Find(overloads, o => o.Receiver == receiver && o.Arity == arguments.Length);
        if (overload is null)
        {
            var style = receiver ? $"x.{function}(...)" : $"{function}(...)";
            return Fail(call.Offset, $"no overload of {style} takes {arguments.Length} argument{(arguments.Length == 1 ? "" : "s")}");
        }

        if (function == "dyn")
        {
            return CompileNode(arguments[0]);
        }

        var nodes = new List<CelNode>(arguments.Length + 1);
        if (call.Target is not null)
        {
            nodes.Add(CompileNode(call.Target));
        }

        nodes.AddRange(CompileAll(arguments));
        if (function == "matches" && (receiver ? arguments[0] : arguments[1]) is LiteralSyntax { Value.Kind: CelKind.String } pattern)
        {
            var regex = CelRegex.Compile(pattern.Value.AsString, out var error);
            if (regex is null)
            {
                return Fail(pattern.Offset, $"invalid regular expression: {error}");
            }

            return new Call1Node(s => CelFunctions.Matches(s, regex), nodes[0]);
        }

        return nodes.Count switch
        {
            1 => new Call1Node((Func<CelValue, CelValue>)overload.Implementation, nodes[0]),
            2 => new Call2Node((Func<CelValue, CelValue, CelValue>)overload.Implementation, nodes[0], nodes[1]),
            3 => new Call3Node((Func<CelValue, CelValue, CelValue, CelValue>)overload.Implementation, nodes[0], nodes[1], nodes[2]),
            _ => new Call4Node((Func<CelValue, CelValue, CelValue, CelValue, CelValue>)overload.Implementation, nodes[0], nodes[1], nodes[2], nodes[3]),
        };
    }

    private static CelMacro? MacroOf(string function) => function switch
    {
        "all" => CelMacro.All,
        "exists" => CelMacro.Exists,
        "exists_one" => CelMacro.ExistsOne,
        "map" => CelMacro.Map,
        "filter" => CelMacro.Filter,
        _ => null,
    };

    private CelNode CompileComprehension(CallSyntax call, CelMacro macro)
    {
        if (call.Arguments[0] is not IdentSyntax { RootScoped: false } variable)
        {
            // Compile the parts anyway, to report every problem at once.
            CompileNode(call.Target!);
            CompileAll(call.Arguments);
            return Fail(call.Arguments[0].Offset, $"the first argument of {call.Function}() must be a simple variable name");
        }

        var range = CompileNode(call.Target!);
        var slot = _slotCount++;
        _locals.Add((variable.Name, slot));
        var step = CompileNode(call.Arguments[1]);
        var transform = call.Arguments.Length == 3 ? CompileNode(call.Arguments[2]) : null;
        _locals.RemoveAt(_locals.Count - 1);
        return new ComprehensionNode(macro, call.Function, range, slot, step, transform);
    }

    private bool TryQualifiedName(CelSyntax syntax, out string name)
    {
        switch (syntax)
        {
            case IdentSyntax ident when ident.RootScoped || !TryGetLocal(ident.Name, out _):
                name = ident.Name;
                return true;
            case SelectSyntax { Quoted: false } select when TryQualifiedName(select.Operand, out var prefix):
                name = prefix + "." + select.Field;
                return true;
            default:
                name = "";
                return false;
        }
    }

    private static Dictionary<string, string> BuildUnsupportedFunctions()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        const string Time = " is not available in Mxcp policies (timestamps and durations are not supported)";
        foreach (var name in new[]
                 {
                     "timestamp", "duration", "getFullYear", "getMonth", "getDate", "getDayOfMonth", "getDayOfWeek",
                     "getDayOfYear", "getHours", "getMinutes", "getSeconds", "getMilliseconds",
                 })
        {
            result[name] = $"unsupported: {name}(){Time}";
        }

        result["type"] = "unsupported: type() is not available in Mxcp policies (type values are not supported)";
        foreach (var name in new[] { "hasValue", "orValue", "optMap", "optFlatMap" })
        {
            result[name] = $"unsupported: {name}() is not available in Mxcp policies (optional values are not supported)";
        }

        foreach (var name in new[] { "format", "quote" })
        {
            result[name] = $"unsupported: {name}() of the strings extension is not available in Mxcp policies";
        }

        foreach (var name in new[] { "transformList", "transformMap", "transformMapEntry", "existsOne" })
        {
            result[name] = $"unsupported: {name}() (two-variable comprehensions) is not available in Mxcp policies";
        }

        return result;
    }

    private static Dictionary<string, CelOverload[]> BuildFunctions()
    {
        static CelOverload Global(int arity, Delegate implementation) => new(false, arity, implementation);
        static CelOverload Method(int arity, Delegate implementation) => new(true, arity, implementation);

        var size = (Func<CelValue, CelValue>)CelFunctions.Size;
        var matches = (Func<CelValue, CelValue, CelValue>)CelFunctions.Matches;
        return new Dictionary<string, CelOverload[]>(StringComparer.Ordinal)
        {
            ["size"] = [Global(1, size), Method(0, size)],
            ["contains"] = [Method(1, (Func<CelValue, CelValue, CelValue>)CelFunctions.Contains)],
            ["startsWith"] = [Method(1, (Func<CelValue, CelValue, CelValue>)CelFunctions.StartsWith)],
            ["endsWith"] = [Method(1, (Func<CelValue, CelValue, CelValue>)CelFunctions.EndsWith)],
            ["matches"] = [Global(2, matches), Method(1, matches)],
            ["int"] = [Global(1, (Func<CelValue, CelValue>)CelFunctions.ToInt)],
            ["uint"] = [Global(1, (Func<CelValue, CelValue>)CelFunctions.ToUint)],
            ["double"] = [Global(1, (Func<CelValue, CelValue>)CelFunctions.ToDouble)],
            ["string"] = [Global(1, (Func<CelValue, CelValue>)CelFunctions.ToStringValue)],
            ["bytes"] = [Global(1, (Func<CelValue, CelValue>)CelFunctions.ToBytes)],
            ["bool"] = [Global(1, (Func<CelValue, CelValue>)CelFunctions.ToBool)],
            ["dyn"] = [Global(1, (Func<CelValue, CelValue>)(v => v))],

            // The strings extension (cel-go ext.Strings), without format() and strings.quote().
            ["charAt"] = [Method(1, (Func<CelValue, CelValue, CelValue>)CelStrings.CharAt)],
            ["indexOf"] =
            [
                Method(1, (Func<CelValue, CelValue, CelValue>)CelStrings.IndexOf),
                Method(2, (Func<CelValue, CelValue, CelValue, CelValue>)CelStrings.IndexOf),
            ],
            ["lastIndexOf"] =
            [
                Method(1, (Func<CelValue, CelValue, CelValue>)CelStrings.LastIndexOf),
                Method(2, (Func<CelValue, CelValue, CelValue, CelValue>)CelStrings.LastIndexOf),
            ],
            ["lowerAscii"] = [Method(0, (Func<CelValue, CelValue>)CelStrings.LowerAscii)],
            ["upperAscii"] = [Method(0, (Func<CelValue, CelValue>)CelStrings.UpperAscii)],
            ["replace"] =
            [
                Method(2, (Func<CelValue, CelValue, CelValue, CelValue>)CelStrings.Replace),
                Method(3, (Func<CelValue, CelValue, CelValue, CelValue, CelValue>)CelStrings.Replace),
            ],
            ["split"] =
            [
                Method(1, (Func<CelValue, CelValue, CelValue>)CelStrings.Split),
                Method(2, (Func<CelValue, CelValue, CelValue, CelValue>)CelStrings.Split),
            ],
            ["substring"] =
            [
                Method(1, (Func<CelValue, CelValue, CelValue>)CelStrings.Substring),
                Method(2, (Func<CelValue, CelValue, CelValue, CelValue>)CelStrings.Substring),
            ],
            ["trim"] = [Method(0, (Func<CelValue, CelValue>)CelStrings.Trim)],
            ["join"] =
            [
                Method(0, (Func<CelValue, CelValue>)CelStrings.Join),
                Method(1, (Func<CelValue, CelValue, CelValue>)CelStrings.Join),
            ],
            ["reverse"] = [Method(0, (Func<CelValue, CelValue>)CelStrings.Reverse)],
        };
    }
}

/// <summary>One overload of a function: call style, argument count (without the receiver) and implementation.</summary>
internal sealed record CelOverload(bool Receiver, int Arity, Delegate Implementation);
