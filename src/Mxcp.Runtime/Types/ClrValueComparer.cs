namespace Mxcp.Runtime.Types;

/// <summary>
/// JSON equality over validated values (the CLR shapes of <c>EndpointInvocation.Arguments</c>): numbers compare by
/// value whatever their CLR type (<c>1</c> equals <c>1.0</c>), strings ordinally, lists item by item, objects by
/// their set of keys and values regardless of order. Used for <c>enum</c> and <c>uniqueItems</c>.
/// </summary>
internal sealed class ClrValueComparer : IEqualityComparer<object?>
{
    public static readonly ClrValueComparer Instance = new();

    private ClrValueComparer()
    {
    }

    public new bool Equals(object? x, object? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        if (x is null || y is null)
        {
            return false;
        }

        if (TryGetNumber(x, out var xl, out var xd, out var xIsLong) && TryGetNumber(y, out var yl, out var yd, out var yIsLong))
        {
            return xIsLong && yIsLong ? xl == yl : (xIsLong ? xl : xd) == (yIsLong ? yl : yd);
        }

        switch (x)
        {
            case string xs:
                return y is string ys && string.Equals(xs, ys, StringComparison.Ordinal);
            case IReadOnlyList<object?> xList:
                if (y is not IReadOnlyList<object?> yList || xList.Count != yList.Count)
                {
                    return false;
                }

                for (var i = 0; i < xList.Count; i++)
                {
                    if (!Equals(xList[i], yList[i]))
                    {
                        return false;
                    }
                }

                return true;
            case IReadOnlyDictionary<string, object?> xMap:
                if (y is not IReadOnlyDictionary<string, object?> yMap || xMap.Count != yMap.Count)
                {
                    return false;
                }

                foreach (var (key, value) in xMap)
                {
                    if (!yMap.TryGetValue(key, out var other) || !Equals(value, other))
                    {
                        return false;
                    }
                }

                return true;
            default:
                // bool, DateOnly, TimeOnly, DateTimeOffset (same instant).
                return x.Equals(y);
        }
    }

    public int GetHashCode(object? obj)
    {
        switch (obj)
        {
            case null:
                return 0;
            case string s:
                return StringComparer.Ordinal.GetHashCode(s);
            case IReadOnlyList<object?> list:
                var listHash = new HashCode();
                foreach (var item in list)
                {
                    listHash.Add(GetHashCode(item));
                }

                return listHash.ToHashCode();
            case IReadOnlyDictionary<string, object?> map:
                // Order-independent: a sum of per-entry hashes.
                var mapHash = map.Count;
                foreach (var (key, value) in map)
                {
                    mapHash += HashCode.Combine(StringComparer.Ordinal.GetHashCode(key), GetHashCode(value));
                }

                return mapHash;
        }

        if (TryGetNumber(obj, out var l, out var d, out var isLong))
        {
            // Integral doubles hash like the equal long.
            return isLong ? l.GetHashCode() : d == Math.Floor(d) && d >= long.MinValue && d < 9.2233720368547758E18 ? ((long)d).GetHashCode() : d.GetHashCode();
        }

        return obj.GetHashCode();
    }

    private static bool TryGetNumber(object value, out long asLong, out double asDouble, out bool isLong)
    {
        asLong = 0;
        asDouble = 0;
        isLong = false;
        switch (value)
        {
            case long l:
                asLong = l;
                isLong = true;
                return true;
            case int i:
                asLong = i;
                isLong = true;
                return true;
            case double d:
                asDouble = d;
                return true;
            case float f:
                asDouble = f;
                return true;
            case decimal m:
                asDouble = (double)m;
                return true;
            default:
                return false;
        }
    }
}
