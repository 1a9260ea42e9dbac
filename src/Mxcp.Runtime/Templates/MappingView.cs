using System.Collections;

namespace Mxcp.Runtime.Templates;

internal enum MappingViewKind
{
    Keys,
    Values,
    Items,
}

/// <summary>The result of <c>mapping.keys()</c>, <c>.values()</c> or <c>.items()</c>, rendered like Python's dict views.</summary>
internal sealed class MappingView : IReadOnlyList<object?>
{
    private readonly object?[] _items;

    public MappingView(MappingViewKind kind, object?[] items)
    {
        Kind = kind;
        _items = items;
    }

    public MappingViewKind Kind { get; }

    public string TypeName => Kind switch
    {
        MappingViewKind.Keys => "dict_keys",
        MappingViewKind.Values => "dict_values",
        _ => "dict_items",
    };

    public int Count => _items.Length;

    public object? this[int index] => _items[index];

    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();
}
