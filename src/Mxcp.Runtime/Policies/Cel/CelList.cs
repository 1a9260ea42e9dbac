namespace Mxcp.Runtime.Policies.Cel;

/// <summary>A CEL list. Implementations may convert their elements lazily (see <see cref="CelValueConverter"/>).</summary>
internal abstract class CelList
{
    /// <summary>The number of elements.</summary>
    public abstract int Count { get; }

    /// <summary>The element at <paramref name="index"/> (0 ≤ index &lt; <see cref="Count"/>).</summary>
    public abstract CelValue this[int index] { get; }

    /// <summary>Copies the elements into a new array.</summary>
    public CelValue[] ToArray()
    {
        var result = new CelValue[Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = this[i];
        }

        return result;
    }
}

/// <summary>A list over an array of values.</summary>
internal sealed class ArrayCelList : CelList
{
    public static readonly ArrayCelList Empty = new([]);

    private readonly CelValue[] _items;

    /// <summary>Wraps <paramref name="items"/>, which must not be changed afterwards.</summary>
    public ArrayCelList(CelValue[] items)
    {
        _items = items;
    }

    /// <inheritdoc />
    public override int Count => _items.Length;

    /// <inheritdoc />
    public override CelValue this[int index] => _items[index];
}
