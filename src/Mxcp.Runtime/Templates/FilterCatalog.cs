using System.Globalization;
using System.Text;

namespace Mxcp.Runtime.Templates;

/// <summary>
/// The built-in filters, with Jinja2's parameter names and defaults. <c>map</c>, <c>select</c>, <c>reject</c>,
/// <c>selectattr</c>, <c>rejectattr</c> and <c>format</c> take variable arguments and are built by the parser as
/// their own expression nodes.
/// </summary>
internal static class FilterCatalog
{
    public static readonly IReadOnlySet<string> VariadicFilters =
        new HashSet<string>(["map", "select", "reject", "selectattr", "rejectattr", "format"], StringComparer.Ordinal);

    private static readonly Dictionary<string, FilterDefinition> Filters = Build();

    public static string SupportedNames { get; } =
        string.Join(", ", Filters.Keys.Concat(VariadicFilters).Order(StringComparer.Ordinal));

    public static bool TryGet(string name, out FilterDefinition definition) =>
        Filters.TryGetValue(name, out definition!);

    private static Dictionary<string, FilterDefinition> Build()
    {
        FilterDefinition[] definitions =
        [
            new("abs", (v, _) => Abs(v)),
            new("capitalize", (v, _) => PythonText.Capitalize(PythonText.Str(v))),
            new("center", (v, a) => Center(PythonText.Str(v), ToInteger(a[0], "width")), new FilterParameter("width", PythonOps.Box(80))),
            new("count", (v, _) => PythonOps.Box(PythonOps.Length(v))),
            new("length", (v, _) => PythonOps.Box(PythonOps.Length(v))),
            new("default", Default, new FilterParameter("default_value", string.Empty), new FilterParameter("boolean", false)),
            new("d", Default, new FilterParameter("default_value", string.Empty), new FilterParameter("boolean", false)),
            new("dictsort", DictSort, new FilterParameter("case_sensitive", false), new FilterParameter("by", "key"), new FilterParameter("reverse", false)),
            new("escape", (v, _) => Escape(v)),
            new("e", (v, _) => Escape(v)),
            new("first", (v, _) => First(v)),
            new("last", (v, _) => Last(v)),
            new("float", ToFloat, new FilterParameter("default", 0.0)),
            new("int", ToInt, new FilterParameter("default", PythonOps.Box(0)), new FilterParameter("base", PythonOps.Box(10))),
            new("indent", Indent, new FilterParameter("width", PythonOps.Box(4)), new FilterParameter("first", false), new FilterParameter("blank", false)),
            new("items", (v, _) => Items(v)),
            new("join", Join, new FilterParameter("d", string.Empty), new FilterParameter("attribute")),
            new("list", (v, _) => ToList(v)),
            new("lower", (v, _) => PythonText.Lower(PythonText.Str(v))),
            new("upper", (v, _) => PythonText.Upper(PythonText.Str(v))),
            new("min", (v, a) => MinMax(v, a, max: false), new FilterParameter("case_sensitive", false), new FilterParameter("attribute")),
            new("max", (v, a) => MinMax(v, a, max: true), new FilterParameter("case_sensitive", false), new FilterParameter("attribute")),
            new("replace", Replace, new FilterParameter("old", Required: true), new FilterParameter("new", Required: true), new FilterParameter("count")),
            new("reverse", (v, _) => Reverse(v)),
            new("round", Round, new FilterParameter("precision", PythonOps.Box(0)), new FilterParameter("method", "common")),
            new("safe", (v, _) => v is MarkupString ? v : new MarkupString(PythonText.Str(v))),
            new("sort", Sort, new FilterParameter("reverse", false), new FilterParameter("case_sensitive", false), new FilterParameter("attribute")),
            new("string", (v, _) => v is MarkupString ? v : PythonText.Str(v)),
            new("sum", Sum, new FilterParameter("attribute"), new FilterParameter("start", PythonOps.Box(0))),
            new("title", (v, _) => Title(PythonText.Str(v))),
            new("tojson", (v, a) => new MarkupString(JsonDumper.Dump(v, a[0])), new FilterParameter("indent")),
            new("trim", (v, a) => PythonText.Strip(PythonText.Str(v), a[0] is null ? null : PythonText.Str(a[0])), new FilterParameter("chars")),
            new("truncate", Truncate, new FilterParameter("length", PythonOps.Box(255)), new FilterParameter("killwords", false), new FilterParameter("end", "..."), new FilterParameter("leeway")),
            new("unique", Unique, new FilterParameter("case_sensitive", false), new FilterParameter("attribute")),
            new("wordcount", (v, _) => PythonOps.Box(WordCount(PythonText.Str(v)))),
        ];
        return definitions.ToDictionary(d => d.Name, StringComparer.Ordinal);
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static void ThrowIfUndefined(object? value)
    {
        if (value is UndefinedValue undefined)
        {
            throw undefined.Error();
        }
    }

    /// <summary>An argument Python would pass to <c>operator.index()</c>.</summary>
    public static long ToInteger(object? value, string parameter)
    {
        ThrowIfUndefined(value);
        return PythonOps.IsInteger(value, out var integer)
            ? integer
            : throw new TemplateEvaluationException($"'{PythonOps.TypeName(value)}' object cannot be interpreted as an integer (argument '{parameter}')");
    }

    private static object? IgnoreCase(object? value) =>
        PythonOps.IsString(value, out var text) ? text.ToLowerInvariant() : value;

    private static object?[] Normalized(IReadOnlyList<object?> items)
    {
        var result = new object?[items.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = ValueNormalizer.Normalize(items[i]);
        }

        return result;
    }

    // ---- filters -----------------------------------------------------------------------------------------------

    private static object Abs(object? value)
    {
        ThrowIfUndefined(value);
        return value switch
        {
            bool b => PythonOps.Box(b ? 1 : 0),
            long l => l == long.MinValue
                ? throw new TemplateEvaluationException("integer overflow: the result does not fit in 64 bits")
                : PythonOps.Box(Math.Abs(l)),
            double d => Math.Abs(d),
            _ => throw new TemplateEvaluationException($"bad operand type for abs(): '{PythonOps.TypeName(value)}'"),
        };
    }

    private static string Center(string text, long width)
    {
        var length = PythonText.CodePointLength(text);
        if (width <= length)
        {
            return text;
        }

        if (width > PythonOps.MaxRepeatLength)
        {
            throw new TemplateEvaluationException($"center() width {width} is larger than {PythonOps.MaxRepeatLength}");
        }

        // CPython's str.center: the odd space goes left only when the width is odd.
        var margin = (int)width - length;
        var left = (margin / 2) + (margin & (int)width & 1);
        return new string(' ', left) + text + new string(' ', margin - left);
    }

    private static object? Default(object? value, object?[] args) =>
        value is UndefinedValue || (PythonOps.IsTrue(args[1]) && !PythonOps.IsTrue(value)) ? args[0] : value;

    private static object DictSort(object? value, object?[] args)
    {
        ThrowIfUndefined(value);
        if (!PythonOps.IsMapping(value))
        {
            throw new TemplateEvaluationException($"dictsort expects a mapping, not {PythonOps.TypeName(value)}");
        }

        var position = PythonOps.IsString(args[1], out var by) ? by switch { "key" => 0, "value" => 1, _ => -1 } : -1;
        if (position < 0)
        {
            throw new TemplateEvaluationException("You can only sort by either \"key\" or \"value\"");
        }

        var caseSensitive = PythonOps.IsTrue(args[0]);
        var items = PythonOps.MappingItems(value!).Select(pair => new TemplateTuple(pair.Key, pair.Value)).ToArray();
        var keys = items.Select(item => caseSensitive ? item[position] : IgnoreCase(item[position])).ToArray();
        return SortByKeys(items, keys, PythonOps.IsTrue(args[2]));
    }

    private static object?[] SortByKeys(object?[] items, object?[] keys, bool reverse)
    {
        var order = Enumerable.Range(0, items.Length).ToArray();
        StableSort.Sort(order, reverse
            ? (x, y) => PythonOps.LessThan(keys[y], keys[x])
            : (x, y) => PythonOps.LessThan(keys[x], keys[y]));
        return [.. order.Select(i => items[i])];
    }

    private static object Escape(object? value) =>
        value is MarkupString ? value : new MarkupString(PythonText.HtmlEscape(PythonText.Str(value)));

    private static object? First(object? value)
    {
        var items = PythonOps.Iterate(value);
        return items.Count > 0
            ? ValueNormalizer.Normalize(items[0])
            : new UndefinedValue("No first item, sequence was empty.");
    }

    private static object? Last(object? value)
    {
        var items = PythonOps.Iterate(value);
        return items.Count > 0
            ? ValueNormalizer.Normalize(items[^1])
            : new UndefinedValue("No last item, sequence was empty.");
    }

    private static object? ToFloat(object? value, object?[] args)
    {
        ThrowIfUndefined(value);
        if (PythonOps.TryGetDouble(value, out var number))
        {
            return number;
        }

        if (PythonOps.IsString(value, out var text) && NumberParsing.TryParseFloat(text, out number))
        {
            return number;
        }

        return args[0];
    }

    private static object? ToInt(object? value, object?[] args)
    {
        ThrowIfUndefined(value);
        var fallback = args[0];
        switch (value)
        {
            case bool or long:
                PythonOps.IsInteger(value, out var integer);
                return PythonOps.Box(integer);
            case double d:
                return FloatToInt(d, fallback);
        }

        if (PythonOps.IsString(value, out var text))
        {
            var radix = ToInteger(args[1], "base");
            if (radix is not (0 or (>= 2 and <= 36)))
            {
                throw new TemplateEvaluationException("int() base must be >= 2 and <= 36, or 0");
            }

            if (NumberParsing.TryParseInteger(text, (int)radix, out var parsed))
            {
                return PythonOps.Box(parsed);
            }

            // Jinja2 retries with float() so that "42.23"|int gives 42.
            if (NumberParsing.TryParseFloat(text, out var number))
            {
                return FloatToInt(number, fallback);
            }
        }

        return fallback;
    }

    private static object? FloatToInt(double number, object? fallback)
    {
        if (double.IsNaN(number))
        {
            return fallback;
        }

        if (double.IsInfinity(number))
        {
            throw new TemplateEvaluationException("cannot convert float infinity to integer");
        }

        var truncated = Math.Truncate(number);
        if (truncated >= 9.223372036854775807e18 || truncated < -9.223372036854775808e18)
        {
            throw new TemplateEvaluationException("integer overflow: the value does not fit in 64 bits");
        }

        return PythonOps.Box((long)truncated);
    }

    private static object Indent(object? value, object?[] args)
    {
        ThrowIfUndefined(value);
        if (!PythonOps.IsString(value, out var text))
        {
            throw new TemplateEvaluationException($"indent expects a string, not {PythonOps.TypeName(value)}");
        }

        string indention;
        if (PythonOps.IsString(args[0], out var given))
        {
            indention = given;
        }
        else
        {
            var width = ToInteger(args[0], "width");
            if (width > PythonOps.MaxRepeatLength)
            {
                throw new TemplateEvaluationException($"indent() width {width} is larger than {PythonOps.MaxRepeatLength}");
            }

            indention = new string(' ', (int)Math.Max(0, width));
        }

        var lines = PythonText.SplitLines(text + "\n");
        var sb = new StringBuilder(text.Length + (lines.Count * indention.Length));
        if (PythonOps.IsTrue(args[1]))
        {
            sb.Append(indention);
        }

        var blank = PythonOps.IsTrue(args[2]);
        for (var i = 0; i < lines.Count; i++)
        {
            if (i > 0)
            {
                sb.Append('\n');
                if (blank || lines[i].Length > 0)
                {
                    sb.Append(indention);
                }
            }

            sb.Append(lines[i]);
        }

        return value is MarkupString ? new MarkupString(sb.ToString()) : sb.ToString();
    }

    private static object?[] Items(object? value)
    {
        if (value is UndefinedValue)
        {
            return [];
        }

        if (!PythonOps.IsMapping(value))
        {
            throw new TemplateEvaluationException("Can only get item pairs from a mapping.");
        }

        return [.. PythonOps.MappingItems(value!).Select(pair => new TemplateTuple(pair.Key, pair.Value))];
    }

    private static string Join(object? value, object?[] args)
    {
        var items = PythonOps.Iterate(value);
        var separator = PythonText.Str(args[0]);
        var path = args[1] is null ? null : AttributePath.Parse(args[1]);
        var sb = new StringBuilder();
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(separator);
            }

            var item = ValueNormalizer.Normalize(items[i]);
            PythonText.AppendStr(sb, path is null ? item : path.Get(item));
        }

        return sb.ToString();
    }

    private static object?[] ToList(object? value) => Normalized(PythonOps.Iterate(value));

    private static object? MinMax(object? value, object?[] args, bool max)
    {
        var items = PythonOps.Iterate(value);
        if (items.Count == 0)
        {
            return new UndefinedValue("No aggregated item, sequence was empty.");
        }

        var caseSensitive = PythonOps.IsTrue(args[0]);
        var path = AttributePath.Parse(args[1]);
        object? Key(object? item)
        {
            var key = path.Get(item);
            return caseSensitive ? key : IgnoreCase(key);
        }

        var best = ValueNormalizer.Normalize(items[0]);
        var bestKey = Key(best);
        for (var i = 1; i < items.Count; i++)
        {
            var item = ValueNormalizer.Normalize(items[i]);
            var key = Key(item);
            if (max ? PythonOps.LessThan(bestKey, key) : PythonOps.LessThan(key, bestKey))
            {
                best = item;
                bestKey = key;
            }
        }

        return best;
    }

    private static string Replace(object? value, object?[] args)
    {
        var count = args[2] is null ? -1 : ToInteger(args[2], "count");
        return PythonText.Replace(PythonText.Str(value), PythonText.Str(args[0]), PythonText.Str(args[1]), count);
    }

    private static object Reverse(object? value)
    {
        if (PythonOps.IsString(value, out var text))
        {
            var points = PythonText.CodePoints(text);
            Array.Reverse(points);
            return string.Concat(points);
        }

        if (!PythonOps.IsIterable(value) || value is LoopContext)
        {
            throw new TemplateEvaluationException("argument must be iterable");
        }

        var items = Normalized(PythonOps.Iterate(value));
        Array.Reverse(items);
        return items;
    }

    private static object Round(object? value, object?[] args)
    {
        var precision = ToInteger(args[0], "precision");
        var method = PythonOps.IsString(args[1], out var name) ? name : null;
        if (method is not ("common" or "ceil" or "floor"))
        {
            throw new TemplateEvaluationException("method must be common, ceil or floor");
        }

        ThrowIfUndefined(value);
        if (!PythonOps.IsNumber(value))
        {
            throw new TemplateEvaluationException($"type {PythonOps.TypeName(value)} doesn't define __round__ method");
        }

        if (method == "common")
        {
            return PythonOps.IsInteger(value, out var integer)
                ? PythonOps.Box(RoundInteger(integer, precision))
                : PythonFloat.Round((double)value!, precision);
        }

        // Jinja2: math.ceil/floor(value * 10**precision) / 10**precision, which is always a float.
        if (PythonOps.IsInteger(value, out var whole) && precision >= 0)
        {
            return (double)whole;
        }

        PythonOps.TryGetDouble(value, out var number);
        var scale = precision >= 0
            ? double.Parse("1e" + precision.ToString(CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture)
            : Math.Pow(10, precision);
        var scaled = number * scale;
        if (!double.IsFinite(scaled))
        {
            throw new TemplateEvaluationException(double.IsNaN(scaled)
                ? "cannot convert float NaN to integer"
                : "cannot convert float infinity to integer");
        }

        var rounded = method == "ceil" ? Math.Ceiling(scaled) : Math.Floor(scaled);
        return rounded / scale;
    }

    private static long RoundInteger(long value, long digits)
    {
        if (digits >= 0)
        {
            return value;
        }

        if (digits < -19)
        {
            return 0;
        }

        // Python rounds integers half to even: round(250, -2) == 200.
        var unit = System.Numerics.BigInteger.Pow(10, (int)-digits);
        var quotient = System.Numerics.BigInteger.DivRem(value, unit, out var remainder);
        if (remainder.Sign < 0)
        {
            quotient -= 1;
            remainder += unit;
        }

        var comparison = (remainder * 2).CompareTo(unit);
        if (comparison > 0 || (comparison == 0 && !quotient.IsEven))
        {
            quotient += 1;
        }

        var result = quotient * unit;
        return result > long.MaxValue || result < long.MinValue
            ? throw new TemplateEvaluationException("integer overflow: the result does not fit in 64 bits")
            : (long)result;
    }

    private static object?[] Sort(object? value, object?[] args)
    {
        var items = Normalized(PythonOps.Iterate(value));
        var caseSensitive = PythonOps.IsTrue(args[1]);
        var paths = AttributePath.ParseMany(args[2]);
        var keys = new object?[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            var key = new object?[paths.Length];
            for (var p = 0; p < paths.Length; p++)
            {
                var part = paths[p].Get(items[i]);
                key[p] = caseSensitive ? part : IgnoreCase(part);
            }

            keys[i] = key;
        }

        return SortByKeys(items, keys, PythonOps.IsTrue(args[0]));
    }

    private static object? Sum(object? value, object?[] args)
    {
        var items = PythonOps.Iterate(value);
        var path = args[0] is null ? null : AttributePath.Parse(args[0]);
        var total = args[1];
        if (PythonOps.IsString(total, out _))
        {
            throw new TemplateEvaluationException("sum() can't sum strings [use ''.join(seq) instead]");
        }

        foreach (var raw in items)
        {
            var item = ValueNormalizer.Normalize(raw);
            total = PythonOps.Add(total, path is null ? item : path.Get(item));
        }

        return total;
    }

    /// <summary>Jinja2's <c>title</c>: every run after <c>-</c>, whitespace, <c>( { [ &lt;</c> gets an upper-case first letter, the rest lower case.</summary>
    private static string Title(string text)
    {
        var sb = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            var separator = IsTitleSeparator(text[i]);
            var start = i;
            while (i < text.Length && IsTitleSeparator(text[i]) == separator)
            {
                i++;
            }

            sb.Append(PythonText.Capitalize(text[start..i]));
        }

        return sb.ToString();

        static bool IsTitleSeparator(char c) => c is '-' or '(' or '{' or '[' or '<' || PythonText.IsSpace(c);
    }

    private static object? Truncate(object? value, object?[] args)
    {
        var length = ToInteger(args[0], "length");
        var killWords = PythonOps.IsTrue(args[1]);
        var end = PythonText.Str(args[2]);
        var leeway = args[3] is null ? 5 : ToInteger(args[3], "leeway");
        var endLength = PythonText.CodePointLength(end);
        if (length < endLength)
        {
            throw new TemplateEvaluationException($"expected length >= {endLength}, got {length}");
        }

        if (leeway < 0)
        {
            throw new TemplateEvaluationException($"expected leeway >= 0, got {leeway}");
        }

        if (!PythonOps.IsString(value, out var text))
        {
            // Jinja2 measures any value with len() and returns it unchanged when it is short enough.
            return value is UndefinedValue || PythonOps.Length(value) <= length + leeway
                ? value
                : throw new TemplateEvaluationException($"truncate expects a string, not {PythonOps.TypeName(value)}");
        }

        if (PythonText.CodePointLength(text) <= length + leeway)
        {
            return text;
        }

        var head = PythonText.Prefix(text, (int)Math.Min(length - endLength, int.MaxValue));
        if (!killWords)
        {
            var space = head.LastIndexOf(' ');
            if (space >= 0)
            {
                head = head[..space];
            }
        }

        return head + end;
    }

    private static object?[] Unique(object? value, object?[] args)
    {
        var items = PythonOps.Iterate(value);
        var caseSensitive = PythonOps.IsTrue(args[0]);
        var path = AttributePath.Parse(args[1]);
        var seen = new HashSet<object>(PythonKeyComparer.Instance);
        var nullSeen = false;
        var result = new List<object?>();
        foreach (var raw in items)
        {
            var item = ValueNormalizer.Normalize(raw);
            var key = path.Get(item);
            key = caseSensitive ? key : IgnoreCase(key);
            PythonOps.EnsureHashable(key);
            var added = key is null ? !nullSeen && (nullSeen = true) : seen.Add(key);
            if (added)
            {
                result.Add(item);
            }
        }

        return [.. result];
    }

    private static int WordCount(string text)
    {
        var count = 0;
        var inWord = false;
        foreach (var rune in text.EnumerateRunes())
        {
            var word = PythonText.IsWordCharacter(rune);
            if (word && !inWord)
            {
                count++;
            }

            inWord = word;
        }

        return count;
    }
}
