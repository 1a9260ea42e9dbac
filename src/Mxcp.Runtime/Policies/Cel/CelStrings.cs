using System.Text;

namespace Mxcp.Runtime.Policies.Cel;

/// <summary>
/// String helpers that treat strings as sequences of Unicode code points, as CEL does (.NET strings are UTF-16),
/// and the functions of the CEL strings extension that Mxcp offers (<c>charAt</c>, <c>indexOf</c>,
/// <c>lastIndexOf</c>, <c>lowerAscii</c>, <c>upperAscii</c>, <c>replace</c>, <c>split</c>, <c>substring</c>,
/// <c>trim</c>, <c>join</c>, <c>reverse</c>), with the semantics of cel-go's <c>ext.Strings</c>.
/// </summary>
internal static class CelStrings
{
    private static readonly CelError IndexOutOfRange = new("string index out of range");

    /// <summary>The number of code points.</summary>
    public static int CodePointCount(string s)
    {
        var count = s.Length;
        for (var i = 0; i < s.Length - 1; i++)
        {
            if (char.IsHighSurrogate(s[i]) && char.IsLowSurrogate(s[i + 1]))
            {
                count--;
                i++;
            }
        }

        return count;
    }

    /// <summary>Compares two strings by code point (UTF-16 ordinal order differs above U+D7FF).</summary>
    public static int CompareCodePoints(string a, string b)
    {
        var length = Math.Min(a.Length, b.Length);
        for (var i = 0; i < length; i++)
        {
            int x = a[i], y = b[i];
            if (x != y)
            {
                if (x >= 0xD800 && y >= 0xD800)
                {
                    // Surrogates (supplementary code points) sort after U+E000..U+FFFF in code point order.
                    x = x >= 0xE000 ? x - 0x800 : x + 0x2000;
                    y = y >= 0xE000 ? y - 0x800 : y + 0x2000;
                }

                return x < y ? -1 : 1;
            }
        }

        return a.Length.CompareTo(b.Length);
    }

    private static bool HasSurrogates(string s) => s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;

    /// <summary>The code points of a string.</summary>
    private static int[] CodePoints(string s)
    {
        var result = new List<int>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                result.Add(char.ConvertToUtf32(s[i], s[i + 1]));
                i++;
            }
            else
            {
                result.Add(s[i]);
            }
        }

        return [.. result];
    }

    private static string FromCodePoints(ReadOnlySpan<int> codePoints)
    {
        var builder = new StringBuilder(codePoints.Length);
        foreach (var cp in codePoints)
        {
            if (cp >= 0x10000)
            {
                builder.Append(char.ConvertFromUtf32(cp));
            }
            else
            {
                builder.Append((char)cp);
            }
        }

        return builder.ToString();
    }

    /// <summary>The UTF-16 index of the code point at <paramref name="codePointIndex"/>.</summary>
    private static int Utf16Index(string s, int codePointIndex)
    {
        var i = 0;
        for (var n = 0; n < codePointIndex && i < s.Length; n++)
        {
            i += char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
        }

        return i;
    }

    /// <summary>The code point index of the UTF-16 index <paramref name="utf16Index"/>.</summary>
    private static int CodePointIndex(string s, int utf16Index) => CodePointCount(s[..utf16Index]);

    /// <summary><c>s.size()</c> for strings.</summary>
    public static long Size(string s) => HasSurrogates(s) ? CodePointCount(s) : s.Length;

    /// <summary><c>s.charAt(i)</c>.</summary>
    public static CelValue CharAt(CelValue s, CelValue index)
    {
        if (s.Kind != CelKind.String || index.Kind != CelKind.Int)
        {
            return CelValue.Error(CelError.NoSuchOverload("charAt", s, index));
        }

        var str = s.AsString;
        var length = Size(str);
        var i = index.AsInt;
        if (i < 0 || i > length)
        {
            return CelValue.Error(IndexOutOfRange);
        }

        if (i == length)
        {
            return CelValue.String("");
        }

        var start = Utf16Index(str, (int)i);
        var width = char.IsHighSurrogate(str[start]) && start + 1 < str.Length ? 2 : 1;
        return CelValue.String(str.Substring(start, width));
    }

    /// <summary><c>s.indexOf(sub)</c>.</summary>
    public static CelValue IndexOf(CelValue s, CelValue sub)
    {
        if (s.Kind != CelKind.String || sub.Kind != CelKind.String)
        {
            return CelValue.Error(CelError.NoSuchOverload("indexOf", s, sub));
        }

        var str = s.AsString;
        var at = str.IndexOf(sub.AsString, StringComparison.Ordinal);
        return CelValue.Int(at < 0 ? -1 : CodePointIndex(str, at));
    }

    /// <summary><c>s.indexOf(sub, start)</c>.</summary>
    public static CelValue IndexOf(CelValue s, CelValue sub, CelValue start)
    {
        if (s.Kind != CelKind.String || sub.Kind != CelKind.String || start.Kind != CelKind.Int)
        {
            return CelValue.Error(new CelError($"no such overload: indexOf({s.TypeName}, {sub.TypeName}, {start.TypeName})"));
        }

        var str = s.AsString;
        var needle = sub.AsString;
        var offset = start.AsInt;
        if (needle.Length == 0)
        {
            return CelValue.Int(offset);
        }

        var length = Size(str);
        if (offset < 0 || offset >= length)
        {
            return CelValue.Error(IndexOutOfRange);
        }

        var from = Utf16Index(str, (int)offset);
        var at = str.IndexOf(needle, from, StringComparison.Ordinal);
        return CelValue.Int(at < 0 ? -1 : CodePointIndex(str, at));
    }

    /// <summary><c>s.lastIndexOf(sub)</c>.</summary>
    public static CelValue LastIndexOf(CelValue s, CelValue sub)
    {
        if (s.Kind != CelKind.String || sub.Kind != CelKind.String)
        {
            return CelValue.Error(CelError.NoSuchOverload("lastIndexOf", s, sub));
        }

        var str = s.AsString;
        var needle = sub.AsString;
        if (needle.Length == 0)
        {
            return CelValue.Int(Size(str));
        }

        var at = str.LastIndexOf(needle, StringComparison.Ordinal);
        return CelValue.Int(at < 0 ? -1 : CodePointIndex(str, at));
    }

    /// <summary><c>s.lastIndexOf(sub, start)</c>: the last occurrence that begins at or before <c>start</c>.</summary>
    public static CelValue LastIndexOf(CelValue s, CelValue sub, CelValue start)
    {
        if (s.Kind != CelKind.String || sub.Kind != CelKind.String || start.Kind != CelKind.Int)
        {
            return CelValue.Error(new CelError($"no such overload: lastIndexOf({s.TypeName}, {sub.TypeName}, {start.TypeName})"));
        }

        var needle = sub.AsString;
        var offset = start.AsInt;
        if (needle.Length == 0)
        {
            return CelValue.Int(offset);
        }

        var haystack = CodePoints(s.AsString);
        var pattern = CodePoints(needle);
        if (offset < 0 || offset >= haystack.Length)
        {
            return CelValue.Error(IndexOutOfRange);
        }

        var from = (int)Math.Min(offset, haystack.Length - pattern.Length);
        for (var i = from; i >= 0; i--)
        {
            if (haystack.AsSpan(i, pattern.Length).SequenceEqual(pattern))
            {
                return CelValue.Int(i);
            }
        }

        return CelValue.Int(-1);
    }

    /// <summary><c>s.lowerAscii()</c>: only ASCII letters change.</summary>
    public static CelValue LowerAscii(CelValue s)
    {
        if (s.Kind != CelKind.String)
        {
            return CelValue.Error(CelError.NoSuchOverload("lowerAscii", s));
        }

        var str = s.AsString;
        if (str.AsSpan().IndexOfAnyInRange('A', 'Z') < 0)
        {
            return s;
        }

        return CelValue.String(string.Create(str.Length, str, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;
            }
        }));
    }

    /// <summary><c>s.upperAscii()</c>: only ASCII letters change.</summary>
    public static CelValue UpperAscii(CelValue s)
    {
        if (s.Kind != CelKind.String)
        {
            return CelValue.Error(CelError.NoSuchOverload("upperAscii", s));
        }

        var str = s.AsString;
        if (str.AsSpan().IndexOfAnyInRange('a', 'z') < 0)
        {
            return s;
        }

        return CelValue.String(string.Create(str.Length, str, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = c is >= 'a' and <= 'z' ? (char)(c - 32) : c;
            }
        }));
    }

    /// <summary><c>s.replace(old, new)</c>.</summary>
    public static CelValue Replace(CelValue s, CelValue oldValue, CelValue newValue) =>
        Replace(s, oldValue, newValue, CelValue.Int(-1));

    /// <summary><c>s.replace(old, new, n)</c>: at most <c>n</c> replacements; all when <c>n</c> is negative.</summary>
    public static CelValue Replace(CelValue s, CelValue oldValue, CelValue newValue, CelValue count)
    {
        if (s.Kind != CelKind.String || oldValue.Kind != CelKind.String || newValue.Kind != CelKind.String || count.Kind != CelKind.Int)
        {
            return CelValue.Error(new CelError(
                $"no such overload: replace({s.TypeName}, {oldValue.TypeName}, {newValue.TypeName}, {count.TypeName})"));
        }

        var str = s.AsString;
        var from = oldValue.AsString;
        var to = newValue.AsString;
        var limit = count.AsInt < 0 ? long.MaxValue : count.AsInt;
        var builder = new StringBuilder(str.Length);
        var replaced = 0L;
        if (from.Length == 0)
        {
            // As Go's strings.Replace: the empty string matches before every code point and at the end.
            var i = 0;
            while (true)
            {
                if (replaced < limit)
                {
                    builder.Append(to);
                    replaced++;
                }

                if (i >= str.Length)
                {
                    break;
                }

                var width = char.IsHighSurrogate(str[i]) && i + 1 < str.Length ? 2 : 1;
                builder.Append(str, i, width);
                i += width;
            }

            return CelValue.String(builder.ToString());
        }

        var position = 0;
        while (replaced < limit)
        {
            var at = str.IndexOf(from, position, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }

            builder.Append(str, position, at - position).Append(to);
            position = at + from.Length;
            replaced++;
        }

        builder.Append(str, position, str.Length - position);
        return CelValue.String(builder.ToString());
    }

    /// <summary><c>s.split(sep)</c>.</summary>
    public static CelValue Split(CelValue s, CelValue separator) => Split(s, separator, CelValue.Int(-1));

    /// <summary><c>s.split(sep, n)</c>: at most <c>n</c> parts (the last holds the rest); all when negative; none when 0.</summary>
    public static CelValue Split(CelValue s, CelValue separator, CelValue count)
    {
        if (s.Kind != CelKind.String || separator.Kind != CelKind.String || count.Kind != CelKind.Int)
        {
            return CelValue.Error(new CelError($"no such overload: split({s.TypeName}, {separator.TypeName}, {count.TypeName})"));
        }

        var limit = count.AsInt;
        if (limit == 0)
        {
            return CelValue.List(ArrayCelList.Empty);
        }

        if (limit < 0)
        {
            limit = long.MaxValue;
        }

        var str = s.AsString;
        var sep = separator.AsString;
        var parts = new List<CelValue>();
        if (sep.Length == 0)
        {
            var i = 0;
            while (i < str.Length)
            {
                if (parts.Count == limit - 1)
                {
                    parts.Add(CelValue.String(str[i..]));
                    i = str.Length;
                    break;
                }

                var width = char.IsHighSurrogate(str[i]) && i + 1 < str.Length ? 2 : 1;
                parts.Add(CelValue.String(str.Substring(i, width)));
                i += width;
            }

            CelCost.Charge(parts.Count);
            return CelValue.List(new ArrayCelList([.. parts]));
        }

        var position = 0;
        while (parts.Count < limit - 1)
        {
            var at = str.IndexOf(sep, position, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }

            parts.Add(CelValue.String(str[position..at]));
            position = at + sep.Length;
        }

        parts.Add(CelValue.String(str[position..]));

        // Each part is an allocation: a split costs its parts on top of the scan.
        CelCost.Charge(parts.Count);
        return CelValue.List(new ArrayCelList([.. parts]));
    }

    /// <summary><c>s.substring(start)</c>.</summary>
    public static CelValue Substring(CelValue s, CelValue start)
    {
        if (s.Kind != CelKind.String || start.Kind != CelKind.Int)
        {
            return CelValue.Error(CelError.NoSuchOverload("substring", s, start));
        }

        var str = s.AsString;
        var begin = start.AsInt;
        if (begin < 0 || begin > Size(str))
        {
            return CelValue.Error(IndexOutOfRange);
        }

        return CelValue.String(str[Utf16Index(str, (int)begin)..]);
    }

    /// <summary><c>s.substring(start, end)</c>, end exclusive.</summary>
    public static CelValue Substring(CelValue s, CelValue start, CelValue end)
    {
        if (s.Kind != CelKind.String || start.Kind != CelKind.Int || end.Kind != CelKind.Int)
        {
            return CelValue.Error(new CelError($"no such overload: substring({s.TypeName}, {start.TypeName}, {end.TypeName})"));
        }

        var str = s.AsString;
        var length = Size(str);
        long begin = start.AsInt, finish = end.AsInt;
        if (begin < 0 || begin > length || finish < 0 || finish > length || begin > finish)
        {
            return CelValue.Error(IndexOutOfRange);
        }

        var from = Utf16Index(str, (int)begin);
        var to = Utf16Index(str, (int)finish);
        return CelValue.String(str[from..to]);
    }

    /// <summary><c>s.trim()</c>: removes leading and trailing Unicode white space.</summary>
    public static CelValue Trim(CelValue s) => s.Kind == CelKind.String
        ? CelValue.String(s.AsString.Trim())
        : CelValue.Error(CelError.NoSuchOverload("trim", s));

    /// <summary><c>list.join()</c>.</summary>
    public static CelValue Join(CelValue list) => Join(list, CelValue.String(""));

    /// <summary><c>list.join(separator)</c> for a list of strings.</summary>
    public static CelValue Join(CelValue list, CelValue separator)
    {
        if (list.Kind != CelKind.List || separator.Kind != CelKind.String)
        {
            return CelValue.Error(CelError.NoSuchOverload("join", list, separator));
        }

        var items = list.AsList;
        var builder = new StringBuilder();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (item.Kind != CelKind.String)
            {
                return CelValue.Error($"join: list element of type {item.TypeName} is not a string");
            }

            if (i > 0)
            {
                builder.Append(separator.AsString);
            }

            builder.Append(item.AsString);
        }

        return CelValue.String(builder.ToString());
    }

    /// <summary><c>s.reverse()</c>: the code points in reverse order.</summary>
    public static CelValue Reverse(CelValue s)
    {
        if (s.Kind != CelKind.String)
        {
            return CelValue.Error(CelError.NoSuchOverload("reverse", s));
        }

        var codePoints = CodePoints(s.AsString);
        Array.Reverse(codePoints);
        return CelValue.String(FromCodePoints(codePoints));
    }
}
