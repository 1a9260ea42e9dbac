using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace Mxcp.Runtime.Templates;

internal enum SequenceKind
{
    None,
    List,
    Tuple,
    Range,
    View,
}

/// <summary>
/// Python semantics for the values a template handles: truthiness, equality, hashing, ordering, containers, item
/// access and arithmetic. Errors are raised as <see cref="TemplateEvaluationException"/> with Python-like messages.
/// </summary>
internal static class PythonOps
{
    /// <summary>The largest string or list a repetition (<c>'x' * n</c>) may build, to keep a bad argument from exhausting memory.</summary>
    public const int MaxRepeatLength = 10_000_000;

    private static readonly object[] SmallIntegers = CreateSmallIntegers();
    private static readonly object BoxedTrue = true;
    private static readonly object BoxedFalse = false;

    private static object[] CreateSmallIntegers()
    {
        var values = new object[1030];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (long)(i - 5);
        }

        return values;
    }

    public static object Box(long value) => value is >= -5 and < 1025 ? SmallIntegers[value + 5] : value;

    public static object Box(bool value) => value ? BoxedTrue : BoxedFalse;

    // ---- type checks -------------------------------------------------------------------------------------------

    public static bool IsString(object? value, [NotNullWhen(true)] out string? text)
    {
        switch (value)
        {
            case string s:
                text = s;
                return true;
            case MarkupString m:
                text = m.Value;
                return true;
            default:
                text = null;
                return false;
        }
    }

    /// <summary>Python <c>int</c>, which includes <c>bool</c>.</summary>
    public static bool IsInteger(object? value, out long integer)
    {
        switch (value)
        {
            case long l:
                integer = l;
                return true;
            case bool b:
                integer = b ? 1 : 0;
                return true;
            default:
                integer = 0;
                return false;
        }
    }

    public static bool IsNumber(object? value) => value is long or double or bool;

    private static string Str(object? value) => PythonText.Str(value);

    public static bool TryGetDouble(object? value, out double number)
    {
        switch (value)
        {
            case double d:
                number = d;
                return true;
            case long l:
                number = l;
                return true;
            case bool b:
                number = b ? 1 : 0;
                return true;
            default:
                number = 0;
                return false;
        }
    }

    public static bool IsMapping(object? value) => value is IReadOnlyDictionary<string, object?> or TemplateDict;

    public static SequenceKind GetSequenceKind(object? value) => value switch
    {
        TemplateTuple => SequenceKind.Tuple,
        RangeValue => SequenceKind.Range,
        MappingView => SequenceKind.View,
        IReadOnlyList<object?> => SequenceKind.List,
        _ => SequenceKind.None,
    };

    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        MarkupString => "Markup",
        UndefinedValue => "Undefined",
        DateOnly => "date",
        TimeOnly => "time",
        DateTimeOffset or DateTime => "datetime",
        TemplateTuple => "tuple",
        RangeValue => "range",
        MappingView view => view.TypeName,
        IReadOnlyList<object?> => "list",
        IReadOnlyDictionary<string, object?> or TemplateDict => "dict",
        LoopContext => "LoopContext",
        _ => value.GetType().Name,
    };

    // ---- truthiness, equality, hashing -------------------------------------------------------------------------

    public static bool IsTrue(object? value) => value switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        MarkupString m => m.Value.Length > 0,
        UndefinedValue => false,
        IReadOnlyList<object?> list => list.Count > 0,
        IReadOnlyDictionary<string, object?> dict => dict.Count > 0,
        TemplateDict dict => dict.Count > 0,
        _ => true,
    };

    public static bool AreEqual(object? a, object? b)
    {
        if (ReferenceEquals(a, b) && a is not double)
        {
            return true;
        }

        if (a is null || b is null)
        {
            return false;
        }

        if (a is UndefinedValue || b is UndefinedValue)
        {
            return a is UndefinedValue && b is UndefinedValue;
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return CompareNumbers(a, b) == 0;
        }

        if (IsString(a, out var sa))
        {
            return IsString(b, out var sb) && string.Equals(sa, sb, StringComparison.Ordinal);
        }

        var kind = GetSequenceKind(a);
        if (kind != SequenceKind.None)
        {
            if (GetSequenceKind(b) != kind)
            {
                return false;
            }

            var la = (IReadOnlyList<object?>)a;
            var lb = (IReadOnlyList<object?>)b;
            if (la.Count != lb.Count)
            {
                return false;
            }

            for (var i = 0; i < la.Count; i++)
            {
                if (!AreEqual(ValueNormalizer.Normalize(la[i]), ValueNormalizer.Normalize(lb[i])))
                {
                    return false;
                }
            }

            return true;
        }

        if (IsMapping(a))
        {
            if (!IsMapping(b) || MappingCount(a) != MappingCount(b))
            {
                return false;
            }

            foreach (var (key, value) in MappingItems(a))
            {
                if (!TryGetMappingValue(b, key, out var other) || !AreEqual(value, other))
                {
                    return false;
                }
            }

            return true;
        }

        return a switch
        {
            DateOnly d => b is DateOnly e && d == e,
            TimeOnly t => b is TimeOnly u && t == u,
            DateTimeOffset x => b is DateTimeOffset y && x.UtcDateTime == y.UtcDateTime,
            DateTime x => b is DateTime y && x == y,
            _ => a.Equals(b),
        };
    }

    public static bool IsHashable(object? value) => value switch
    {
        TemplateTuple tuple => tuple.All(item => IsHashable(ValueNormalizer.Normalize(item))),
        RangeValue => true,
        IReadOnlyList<object?> or IReadOnlyDictionary<string, object?> or TemplateDict => false,
        _ => true,
    };

    public static void EnsureHashable(object? value)
    {
        if (!IsHashable(value))
        {
            throw new TemplateEvaluationException($"unhashable type: '{TypeName(value)}'");
        }
    }

    public static int Hash(object? value)
    {
        switch (value)
        {
            case null:
                return 0;
            case bool b:
                return b ? 1 : 0;
            case long l:
                return l.GetHashCode();
            case double d:
                return d == Math.Floor(d) && Math.Abs(d) < 9.2e18 ? ((long)d).GetHashCode() : d.GetHashCode();
            case string s:
                return StringComparer.Ordinal.GetHashCode(s);
            case MarkupString m:
                return StringComparer.Ordinal.GetHashCode(m.Value);
            case UndefinedValue:
                return 0x5A5A;
            case TemplateTuple or RangeValue:
                var hash = new HashCode();
                foreach (var item in (IReadOnlyList<object?>)value)
                {
                    hash.Add(Hash(ValueNormalizer.Normalize(item)));
                }

                return hash.ToHashCode();
            default:
                EnsureHashable(value);
                return value.GetHashCode();
        }
    }

    // ---- ordering ----------------------------------------------------------------------------------------------

    /// <summary>
    /// Orders two values as Python does. Returns <see langword="null"/> when they are unordered (NaN); throws when
    /// Python raises <c>TypeError</c> for the pair.
    /// </summary>
    public static int? Compare(object? a, object? b, string op)
    {
        if (a is UndefinedValue ua)
        {
            throw ua.Error();
        }

        if (b is UndefinedValue ub)
        {
            throw ub.Error();
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return CompareNumbers(a!, b!);
        }

        if (IsString(a, out var sa) && IsString(b, out var sb))
        {
            return PythonText.CompareCodePoints(sa, sb);
        }

        var kind = GetSequenceKind(a);
        if (kind is SequenceKind.List or SequenceKind.Tuple && GetSequenceKind(b) == kind)
        {
            var la = (IReadOnlyList<object?>)a!;
            var lb = (IReadOnlyList<object?>)b!;
            var count = Math.Min(la.Count, lb.Count);
            for (var i = 0; i < count; i++)
            {
                var x = ValueNormalizer.Normalize(la[i]);
                var y = ValueNormalizer.Normalize(lb[i]);
                if (!AreEqual(x, y))
                {
                    return Compare(x, y, op);
                }
            }

            return la.Count.CompareTo(lb.Count);
        }

        switch (a)
        {
            case DateOnly d when b is DateOnly e:
                return d.CompareTo(e);
            case TimeOnly t when b is TimeOnly u:
                return t.CompareTo(u);
            case DateTimeOffset x when b is DateTimeOffset y:
                return x.UtcDateTime.CompareTo(y.UtcDateTime);
            case DateTime x when b is DateTime y:
                return x.CompareTo(y);
            case DateTimeOffset when b is DateTime:
            case DateTime when b is DateTimeOffset:
                throw new TemplateEvaluationException("can't compare offset-naive and offset-aware datetimes");
        }

        throw new TemplateEvaluationException($"'{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    public static bool LessThan(object? a, object? b) => Compare(a, b, "<") is < 0;

    private static int? CompareNumbers(object a, object b)
    {
        if (IsInteger(a, out var la) && IsInteger(b, out var lb))
        {
            return la.CompareTo(lb);
        }

        TryGetDouble(a, out var da);
        TryGetDouble(b, out var db);
        if (double.IsNaN(da) || double.IsNaN(db))
        {
            return null;
        }

        // Compare an integer and a float exactly, as Python does, instead of rounding the integer to a double.
        if (a is long exactA && b is double)
        {
            return CompareIntegerToDouble(exactA, db);
        }

        if (a is double && b is long exactB)
        {
            return -CompareIntegerToDouble(exactB, da);
        }

        return da.CompareTo(db);
    }

    private static int CompareIntegerToDouble(long integer, double number)
    {
        if (number >= 9.3e18)
        {
            return -1;
        }

        if (number <= -9.3e18)
        {
            return 1;
        }

        var floor = Math.Floor(number);
        var whole = (long)floor;
        if (integer != whole)
        {
            return integer.CompareTo(whole);
        }

        return floor == number ? 0 : -1;
    }

    // ---- containers --------------------------------------------------------------------------------------------

    public static int MappingCount(object mapping) => mapping switch
    {
        IReadOnlyDictionary<string, object?> d => d.Count,
        TemplateDict t => t.Count,
        _ => 0,
    };

    public static bool TryGetMappingValue(object mapping, object? key, out object? value)
    {
        switch (mapping)
        {
            case IReadOnlyDictionary<string, object?> d:
                if (IsString(key, out var name) && d.TryGetValue(name, out var raw))
                {
                    value = ValueNormalizer.Normalize(raw);
                    return true;
                }

                break;
            case TemplateDict t:
                return t.TryGetValue(key, out value);
        }

        value = null;
        return false;
    }

    public static IEnumerable<KeyValuePair<object?, object?>> MappingItems(object mapping)
    {
        if (mapping is TemplateDict t)
        {
            return t.Entries;
        }

        return ((IReadOnlyDictionary<string, object?>)mapping).Select(
            pair => new KeyValuePair<object?, object?>(pair.Key, ValueNormalizer.Normalize(pair.Value)));
    }

    public static object?[] MappingKeys(object mapping) => [.. MappingItems(mapping).Select(pair => pair.Key)];

    /// <summary>
    /// The items Python's <c>iter()</c> would produce, as a list. Items of lists that came from the caller may still
    /// need <see cref="ValueNormalizer.Normalize"/>. Undefined iterates as empty.
    /// </summary>
    public static IReadOnlyList<object?> Iterate(object? value) => value switch
    {
        UndefinedValue => [],
        IReadOnlyList<object?> list => list,
        string s => PythonText.CodePoints(s),
        MarkupString m => PythonText.CodePoints(m.Value),
        IReadOnlyDictionary<string, object?> or TemplateDict => MappingKeys(value),
        _ => throw new TemplateEvaluationException($"'{TypeName(value)}' object is not iterable"),
    };

    public static bool IsIterable(object? value) =>
        value is UndefinedValue or IReadOnlyList<object?> or string or MarkupString or LoopContext || IsMapping(value);

    public static int Length(object? value) => value switch
    {
        UndefinedValue => 0,
        string s => PythonText.CodePointLength(s),
        MarkupString m => PythonText.CodePointLength(m.Value),
        IReadOnlyList<object?> list => list.Count,
        IReadOnlyDictionary<string, object?> d => d.Count,
        TemplateDict t => t.Count,
        LoopContext loop => loop.Length,
        _ => throw new TemplateEvaluationException($"object of type '{TypeName(value)}' has no len()"),
    };

    public static bool Contains(object? container, object? item)
    {
        switch (container)
        {
            case UndefinedValue:
                return false;
            case string or MarkupString:
                var text = Str(container);
                if (!IsString(item, out var part))
                {
                    throw new TemplateEvaluationException($"'in <string>' requires string as left operand, not {TypeName(item)}");
                }

                return text.Contains(part, StringComparison.Ordinal);
            case IReadOnlyDictionary<string, object?> or TemplateDict:
                EnsureHashable(item);
                return TryGetMappingValue(container, item, out _);
            case RangeValue range:
                if (IsInteger(item, out var n) || (item is double d && d == Math.Floor(d) && Math.Abs(d) < 9.2e18 && (n = (long)d) == d))
                {
                    var offset = n - range.Start;
                    return range.Step > 0
                        ? n >= range.Start && n < range.Stop && offset % range.Step == 0
                        : n <= range.Start && n > range.Stop && offset % range.Step == 0;
                }

                return false;
            case IReadOnlyList<object?> list:
                foreach (var element in list)
                {
                    if (AreEqual(ValueNormalizer.Normalize(element), item))
                    {
                        return true;
                    }
                }

                return false;
            default:
                throw new TemplateEvaluationException($"argument of type '{TypeName(container)}' is not iterable");
        }
    }

    /// <summary>Jinja2's <c>getattr</c> for <c>obj.name</c>: mapping keys, <c>loop</c> attributes and date parts.</summary>
    public static object? GetAttribute(object? obj, string name, UndefinedValue missing)
    {
        switch (obj)
        {
            case UndefinedValue undefined:
                return undefined;
            case IReadOnlyDictionary<string, object?> or TemplateDict:
                return TryGetMappingValue(obj, name, out var value) ? value : missing;
            case LoopContext loop:
                return loop.TryGetAttribute(name, out var loopValue) ? loopValue : missing;
            case DateOnly date:
                return name switch
                {
                    "year" => Box(date.Year),
                    "month" => Box(date.Month),
                    "day" => Box(date.Day),
                    _ => missing,
                };
            case TimeOnly time:
                return name switch
                {
                    "hour" => Box(time.Hour),
                    "minute" => Box(time.Minute),
                    "second" => Box(time.Second),
                    "microsecond" => Box(time.Ticks % TimeSpan.TicksPerSecond / 10),
                    _ => missing,
                };
            case DateTimeOffset or DateTime:
                var moment = obj is DateTimeOffset offset ? offset.DateTime : (DateTime)obj;
                return name switch
                {
                    "year" => Box(moment.Year),
                    "month" => Box(moment.Month),
                    "day" => Box(moment.Day),
                    "hour" => Box(moment.Hour),
                    "minute" => Box(moment.Minute),
                    "second" => Box(moment.Second),
                    "microsecond" => Box(moment.Ticks % TimeSpan.TicksPerSecond / 10),
                    _ => missing,
                };
            case RangeValue range:
                return name switch
                {
                    "start" => Box(range.Start),
                    "stop" => Box(range.Stop),
                    "step" => Box(range.Step),
                    _ => missing,
                };
            default:
                return missing;
        }
    }

    /// <summary>Jinja2's <c>getitem</c> for <c>obj[key]</c>: items first, then attributes; anything missing is undefined.</summary>
    public static object? GetItem(object? obj, object? key, UndefinedValue missing)
    {
        switch (obj)
        {
            case UndefinedValue undefined:
                return undefined;
            case IReadOnlyDictionary<string, object?> or TemplateDict:
                return TryGetMappingValue(obj, key, out var value) ? value : missing;
            case string or MarkupString:
                if (IsInteger(key, out var charIndex))
                {
                    var text = Str(obj);
                    if (text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
                    {
                        var position = charIndex < 0 ? charIndex + text.Length : charIndex;
                        return position >= 0 && position < text.Length ? text[(int)position].ToString() : missing;
                    }

                    var codePoints = PythonText.CodePoints(text);
                    var at = charIndex < 0 ? charIndex + codePoints.Length : charIndex;
                    return at >= 0 && at < codePoints.Length ? codePoints[at] : missing;
                }

                return missing;
            case IReadOnlyList<object?> list when obj is not MappingView:
                if (IsInteger(key, out var index))
                {
                    var at = index < 0 ? index + list.Count : index;
                    return at >= 0 && at < list.Count ? ValueNormalizer.Normalize(list[(int)at]) : missing;
                }

                break;
        }

        return key is string name ? GetAttribute(obj, name, missing) : missing;
    }

    /// <summary><c>obj[start:stop:step]</c> on strings, lists and tuples.</summary>
    public static object? Slice(object? obj, object? start, object? stop, object? step, UndefinedValue missing)
    {
        if (obj is UndefinedValue undefined)
        {
            return undefined;
        }

        if (!TryGetSliceIndex(step, out var stepValue) || !TryGetSliceIndex(start, out var startValue) ||
            !TryGetSliceIndex(stop, out var stopValue))
        {
            return missing;
        }

        var kind = GetSequenceKind(obj);
        var isText = IsString(obj, out var text);
        if (!isText && kind is SequenceKind.None or SequenceKind.View)
        {
            return missing;
        }

        var st = stepValue ?? 1;
        if (st == 0)
        {
            throw new TemplateEvaluationException("slice step cannot be zero");
        }

        IReadOnlyList<object?> source = isText ? PythonText.CodePoints(text!) : (IReadOnlyList<object?>)obj!;
        var length = source.Count;
        var first = AdjustSliceIndex(startValue, length, st, st > 0 ? 0 : length - 1);
        var last = AdjustSliceIndex(stopValue, length, st, st > 0 ? length : -1);
        long count = st > 0
            ? (first < last ? ((last - first - 1) / st) + 1 : 0)
            : (last < first ? ((first - last - 1) / -st) + 1 : 0);
        var items = new object?[count];
        for (var i = 0; i < count; i++)
        {
            items[i] = ValueNormalizer.Normalize(source[(int)(first + (i * st))]);
        }

        if (isText)
        {
            return string.Concat(items.Cast<string>());
        }

        return kind == SequenceKind.Tuple ? new TemplateTuple(items) : items;
    }

    private static bool TryGetSliceIndex(object? value, out long? index)
    {
        if (value is null)
        {
            index = null;
            return true;
        }

        if (IsInteger(value, out var integer))
        {
            index = integer;
            return true;
        }

        index = null;
        return false;
    }

    private static long AdjustSliceIndex(long? index, long length, long step, long fallback)
    {
        if (index is not { } value)
        {
            return fallback;
        }

        if (value < 0)
        {
            value += length;
            if (value < 0)
            {
                value = step < 0 ? -1 : 0;
            }
        }
        else if (value >= length)
        {
            value = step < 0 ? length - 1 : length;
        }

        return value;
    }

    // ---- arithmetic --------------------------------------------------------------------------------------------

    private static void ThrowIfUndefined(object? a, object? b)
    {
        if (a is UndefinedValue ua)
        {
            throw ua.Error();
        }

        if (b is UndefinedValue ub)
        {
            throw ub.Error();
        }
    }

    private static TemplateEvaluationException Unsupported(string op, object? a, object? b) =>
        new($"unsupported operand type(s) for {op}: '{TypeName(a)}' and '{TypeName(b)}'");

    private static TemplateEvaluationException IntegerOverflow() =>
        new("integer overflow: the result does not fit in 64 bits");

    public static object Add(object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        if (IsInteger(a, out var la) && IsInteger(b, out var lb))
        {
            return Box(CheckedAdd(la, lb));
        }

        if (IsNumber(a) && IsNumber(b))
        {
            TryGetDouble(a, out var da);
            TryGetDouble(b, out var db);
            return da + db;
        }

        if (IsString(a, out var sa))
        {
            return IsString(b, out var sb)
                ? string.Concat(sa, sb)
                : throw new TemplateEvaluationException($"can only concatenate str (not \"{TypeName(b)}\") to str");
        }

        var kind = GetSequenceKind(a);
        if (kind is SequenceKind.List or SequenceKind.Tuple)
        {
            if (GetSequenceKind(b) != kind)
            {
                var name = TypeName(a);
                throw new TemplateEvaluationException($"can only concatenate {name} (not \"{TypeName(b)}\") to {name}");
            }

            var joined = Enumerable.Concat((IReadOnlyList<object?>)a!, (IReadOnlyList<object?>)b!)
                .Select(ValueNormalizer.Normalize).ToArray();
            return kind == SequenceKind.Tuple ? new TemplateTuple(joined) : joined;
        }

        throw Unsupported("+", a, b);
    }

    public static object Subtract(object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        if (IsInteger(a, out var la) && IsInteger(b, out var lb))
        {
            return Box(CheckedSubtract(la, lb));
        }

        if (IsNumber(a) && IsNumber(b))
        {
            TryGetDouble(a, out var da);
            TryGetDouble(b, out var db);
            return da - db;
        }

        throw Unsupported("-", a, b);
    }

    public static object Multiply(object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        if (IsInteger(a, out var la) && IsInteger(b, out var lb))
        {
            return Box(CheckedMultiply(la, lb));
        }

        if (IsNumber(a) && IsNumber(b))
        {
            TryGetDouble(a, out var da);
            TryGetDouble(b, out var db);
            return da * db;
        }

        if (IsRepeatable(a) && IsNumber(b))
        {
            return Repeat(a!, b!);
        }

        if (IsRepeatable(b) && IsNumber(a))
        {
            return Repeat(b!, a!);
        }

        throw Unsupported("*", a, b);
    }

    private static bool IsRepeatable(object? value) =>
        value is string or MarkupString || GetSequenceKind(value) is SequenceKind.List or SequenceKind.Tuple;

    private static object Repeat(object sequence, object times)
    {
        if (!IsInteger(times, out var n))
        {
            throw new TemplateEvaluationException($"can't multiply sequence by non-int of type '{TypeName(times)}'");
        }

        n = Math.Max(n, 0);
        if (IsString(sequence, out var text))
        {
            if (n * (double)text.Length > MaxRepeatLength)
            {
                throw new TemplateEvaluationException($"repeating a string {n} times gives more than {MaxRepeatLength} characters");
            }

            return new System.Text.StringBuilder(text.Length * (int)n).Insert(0, text, (int)n).ToString();
        }

        var list = (IReadOnlyList<object?>)sequence;
        if (n * (double)list.Count > MaxRepeatLength)
        {
            throw new TemplateEvaluationException($"repeating a {TypeName(sequence)} {n} times gives more than {MaxRepeatLength} items");
        }

        var items = new object?[list.Count * n];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = ValueNormalizer.Normalize(list[i % list.Count]);
        }

        return sequence is TemplateTuple ? new TemplateTuple(items) : items;
    }

    public static object TrueDivide(object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        if (!IsNumber(a) || !IsNumber(b))
        {
            throw Unsupported("/", a, b);
        }

        TryGetDouble(a, out var da);
        TryGetDouble(b, out var db);
        if (db == 0)
        {
            throw new TemplateEvaluationException(a is double || b is double ? "float division by zero" : "division by zero");
        }

        return da / db;
    }

    public static object FloorDivide(object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        if (IsInteger(a, out var la) && IsInteger(b, out var lb))
        {
            if (lb == 0)
            {
                throw new TemplateEvaluationException("integer division or modulo by zero");
            }

            if (la == long.MinValue && lb == -1)
            {
                throw IntegerOverflow();
            }

            var q = la / lb;
            if (la % lb != 0 && (la < 0) != (lb < 0))
            {
                q--;
            }

            return Box(q);
        }

        if (IsNumber(a) && IsNumber(b))
        {
            TryGetDouble(a, out var da);
            TryGetDouble(b, out var db);
            if (db == 0)
            {
                throw new TemplateEvaluationException("float floor division by zero");
            }

            return FloatDivMod(da, db).Quotient;
        }

        throw Unsupported("//", a, b);
    }

    public static object Modulo(object? a, object? b)
    {
        // String formatting converts its arguments itself: '%s' % undefined gives ''.
        if (IsString(a, out var format))
        {
            return PercentFormatter.Format(format, b);
        }

        ThrowIfUndefined(a, b);

        if (IsInteger(a, out var la) && IsInteger(b, out var lb))
        {
            if (lb == 0)
            {
                throw new TemplateEvaluationException("integer division or modulo by zero");
            }

            if (lb == -1)
            {
                return Box(0);
            }

            var r = la % lb;
            if (r != 0 && (r < 0) != (lb < 0))
            {
                r += lb;
            }

            return Box(r);
        }

        if (IsNumber(a) && IsNumber(b))
        {
            TryGetDouble(a, out var da);
            TryGetDouble(b, out var db);
            if (db == 0)
            {
                throw new TemplateEvaluationException("float modulo");
            }

            return FloatDivMod(da, db).Remainder;
        }

        throw Unsupported("%", a, b);
    }

    // CPython's float_divmod.
    private static (double Quotient, double Remainder) FloatDivMod(double vx, double wx)
    {
        var mod = vx % wx;
        var div = (vx - mod) / wx;
        if (mod != 0)
        {
            if ((wx < 0) != (mod < 0))
            {
                mod += wx;
                div -= 1.0;
            }
        }
        else
        {
            mod = Math.CopySign(0.0, wx);
        }

        double floorDiv;
        if (div != 0)
        {
            floorDiv = Math.Floor(div);
            if (div - floorDiv > 0.5)
            {
                floorDiv += 1.0;
            }
        }
        else
        {
            floorDiv = Math.CopySign(0.0, vx / wx);
        }

        return (floorDiv, mod);
    }

    public static object Power(object? a, object? b)
    {
        ThrowIfUndefined(a, b);
        if (!IsNumber(a) || !IsNumber(b))
        {
            throw Unsupported("** or pow()", a, b);
        }

        if (IsInteger(a, out var la) && IsInteger(b, out var lb) && lb >= 0)
        {
            switch (la)
            {
                case 0:
                    return Box(lb == 0 ? 1 : 0);
                case 1:
                    return Box(1);
                case -1:
                    return Box(lb % 2 == 0 ? 1 : -1);
            }

            // Any other base overflows 64 bits long before the exponent reaches 64.
            var result = lb < 64 ? BigInteger.Pow(la, (int)lb) : BigInteger.Zero;
            if (lb >= 64 || result > long.MaxValue || result < long.MinValue)
            {
                throw IntegerOverflow();
            }

            return Box((long)result);
        }

        TryGetDouble(a, out var da);
        TryGetDouble(b, out var db);
        if (da == 0 && db < 0)
        {
            throw new TemplateEvaluationException("0.0 cannot be raised to a negative power");
        }

        if (da < 0 && db != Math.Floor(db) && double.IsFinite(db))
        {
            throw new TemplateEvaluationException("a negative number cannot be raised to a fractional power (the result would be complex)");
        }

        var power = Math.Pow(da, db);
        if (double.IsInfinity(power) && double.IsFinite(da) && double.IsFinite(db))
        {
            throw new TemplateEvaluationException("numerical result out of range");
        }

        return power;
    }

    public static object Negate(object? value)
    {
        if (value is UndefinedValue undefined)
        {
            throw undefined.Error();
        }

        if (IsInteger(value, out var l))
        {
            return l == long.MinValue ? throw IntegerOverflow() : Box(-l);
        }

        return value is double d
            ? -d
            : throw new TemplateEvaluationException($"bad operand type for unary -: '{TypeName(value)}'");
    }

    public static object Plus(object? value)
    {
        if (value is UndefinedValue undefined)
        {
            throw undefined.Error();
        }

        if (IsInteger(value, out var l))
        {
            return Box(l);
        }

        return value is double d
            ? d
            : throw new TemplateEvaluationException($"bad operand type for unary +: '{TypeName(value)}'");
    }

    private static long CheckedAdd(long a, long b)
    {
        var result = unchecked(a + b);
        return ((a ^ result) & (b ^ result)) < 0 ? throw IntegerOverflow() : result;
    }

    private static long CheckedSubtract(long a, long b)
    {
        var result = unchecked(a - b);
        return ((a ^ b) & (a ^ result)) < 0 ? throw IntegerOverflow() : result;
    }

    private static long CheckedMultiply(long a, long b)
    {
        var high = Math.BigMul(a, b, out var low);
        return (high == 0 && low >= 0) || (high == -1 && low < 0) ? low : throw IntegerOverflow();
    }
}
