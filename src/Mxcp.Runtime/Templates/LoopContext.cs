namespace Mxcp.Runtime.Templates;

/// <summary>The <c>loop</c> variable of a <c>for</c> block. One instance per loop execution; the index moves on each iteration.</summary>
internal sealed class LoopContext
{
    private static readonly UndefinedValue NoPrevious = new("there is no previous item");
    private static readonly UndefinedValue NoNext = new("there is no next item");
    private static readonly object NotSet = new();

    private readonly IReadOnlyList<object?> _items;
    private object? _lastChanged = NotSet;

    public LoopContext(IReadOnlyList<object?> items)
    {
        _items = items;
    }

    public int Index0 { get; set; }

    public int Length => _items.Count;

    public bool TryGetAttribute(string name, out object? value)
    {
        value = name switch
        {
            "index" => PythonOps.Box(Index0 + 1),
            "index0" => PythonOps.Box(Index0),
            "revindex" => PythonOps.Box(Length - Index0),
            "revindex0" => PythonOps.Box(Length - Index0 - 1),
            "first" => Index0 == 0,
            "last" => Index0 == Length - 1,
            "length" => PythonOps.Box(Length),
            "depth" => PythonOps.Box(1),
            "depth0" => PythonOps.Box(0),
            "previtem" => Index0 > 0 ? ValueNormalizer.Normalize(_items[Index0 - 1]) : NoPrevious,
            "nextitem" => Index0 + 1 < Length ? ValueNormalizer.Normalize(_items[Index0 + 1]) : NoNext,
            _ => NotSet,
        };
        return !ReferenceEquals(value, NotSet);
    }

    public object? Cycle(object?[] values) => values[Index0 % values.Length];

    /// <summary><c>loop.changed(*values)</c>: true on the first call and whenever the values differ from the previous call.</summary>
    public bool Changed(object?[] values)
    {
        var current = new TemplateTuple(values);
        if (!ReferenceEquals(_lastChanged, NotSet) && PythonOps.AreEqual(_lastChanged, current))
        {
            return false;
        }

        _lastChanged = current;
        return true;
    }

    public override string ToString() => $"<LoopContext {Index0 + 1}/{Length}>";
}
