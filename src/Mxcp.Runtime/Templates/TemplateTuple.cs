using System.Collections;

namespace Mxcp.Runtime.Templates;

/// <summary>A Python tuple: tuple literals, <c>(key, value)</c> pairs of <c>items()</c>, <c>dictsort</c> and <c>items</c>.</summary>
internal sealed class TemplateTuple : IReadOnlyList<object?>
{
    private readonly object?[] _items;

    public TemplateTuple(params object?[] items)
    {
        _items = items;
    }

    public int Count => _items.Length;

    public object? this[int index] => _items[index];

    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();
}
