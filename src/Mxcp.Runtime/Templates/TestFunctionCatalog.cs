namespace Mxcp.Runtime.Templates;

/// <summary>The built-in tests used with <c>is</c> and by <c>select</c>/<c>reject</c>, with Jinja2's semantics.</summary>
internal static class TestFunctionCatalog
{
    private static readonly Dictionary<string, TestDefinition> Tests = Build();

    public static string SupportedNames { get; } = string.Join(", ", Tests.Keys.Order(StringComparer.Ordinal));

    public static bool TryGet(string name, out TestDefinition definition) => Tests.TryGetValue(name, out definition!);

    private static Dictionary<string, TestDefinition> Build()
    {
        var tests = new List<TestDefinition>
        {
            new("defined", null, (v, _) => v is not UndefinedValue),
            new("undefined", null, (v, _) => v is UndefinedValue),
            new("none", null, (v, _) => v is null),
            new("boolean", null, (v, _) => v is bool),
            new("true", null, (v, _) => v is true),
            new("false", null, (v, _) => v is false),
            new("integer", null, (v, _) => v is long),
            new("float", null, (v, _) => v is double),
            new("number", null, (v, _) => PythonOps.IsNumber(v)),
            new("string", null, (v, _) => v is string or MarkupString),
            new("mapping", null, (v, _) => PythonOps.IsMapping(v)),
            new("sequence", null, (v, _) => IsSequence(v)),
            new("iterable", null, (v, _) => PythonOps.IsIterable(v)),
            new("escaped", null, (v, _) => v is MarkupString),
            new("lower", null, (v, _) => PythonText.IsCased(PythonText.Str(v), lower: true)),
            new("upper", null, (v, _) => PythonText.IsCased(PythonText.Str(v), lower: false)),
            new("even", null, (v, _) => PythonOps.AreEqual(PythonOps.Modulo(NotString(v), PythonOps.Box(2)), PythonOps.Box(0))),
            new("odd", null, (v, _) => PythonOps.AreEqual(PythonOps.Modulo(NotString(v), PythonOps.Box(2)), PythonOps.Box(1))),
            new("divisibleby", "num", (v, n) => PythonOps.AreEqual(PythonOps.Modulo(NotString(v), n), PythonOps.Box(0))),
            new("in", "seq", (v, seq) => PythonOps.Contains(seq, v)),
            new("sameas", "other", SameAs),
        };

        foreach (var alias in new[] { "==", "eq", "equalto" })
        {
            tests.Add(new(alias, "other", (v, o) => PythonOps.AreEqual(v, o)));
        }

        foreach (var alias in new[] { "!=", "ne" })
        {
            tests.Add(new(alias, "other", (v, o) => !PythonOps.AreEqual(v, o)));
        }

        foreach (var alias in new[] { "<", "lt", "lessthan" })
        {
            tests.Add(new(alias, "other", (v, o) => PythonOps.Compare(v, o, "<") is < 0));
        }

        foreach (var alias in new[] { "<=", "le" })
        {
            tests.Add(new(alias, "other", (v, o) => PythonOps.Compare(v, o, "<=") is <= 0));
        }

        foreach (var alias in new[] { ">", "gt", "greaterthan" })
        {
            tests.Add(new(alias, "other", (v, o) => PythonOps.Compare(v, o, ">") is > 0));
        }

        foreach (var alias in new[] { ">=", "ge" })
        {
            tests.Add(new(alias, "other", (v, o) => PythonOps.Compare(v, o, ">=") is >= 0));
        }

        return tests.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    // Python's len() works and the value has __getitem__: strings, lists, tuples, dicts (and Undefined, as in Jinja2).
    private static bool IsSequence(object? value) =>
        value is string or MarkupString or UndefinedValue || PythonOps.IsMapping(value) ||
        PythonOps.GetSequenceKind(value) is SequenceKind.List or SequenceKind.Tuple or SequenceKind.Range;

    // even/odd/divisibleby use value % n, which for a string would mean formatting; Python raises TypeError there.
    private static object? NotString(object? value) =>
        PythonOps.IsString(value, out _)
            ? throw new TemplateEvaluationException($"unsupported operand type(s) for %: '{PythonOps.TypeName(value)}' and 'int'")
            : value;

    // Python's "is": None, booleans and small integers are singletons; other values are the same only if identical.
    private static bool SameAs(object? value, object? other) => (value, other) switch
    {
        (null, null) => true,
        (bool a, bool b) => a == b,
        (long a, long b) => a == b && a is >= -5 and <= 256,
        (UndefinedValue, _) or (_, UndefinedValue) => false,
        _ => ReferenceEquals(value, other),
    };
}
