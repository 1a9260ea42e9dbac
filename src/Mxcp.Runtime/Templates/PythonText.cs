using System.Globalization;
using System.Text;

namespace Mxcp.Runtime.Templates;

/// <summary>
/// Python's <c>str()</c> and <c>repr()</c> of template values, and the string operations Python defines by code
/// point (length, indexing, ordering) rather than by UTF-16 unit.
/// </summary>
internal static class PythonText
{
    /// <summary>Python's <c>str.isspace()</c> for one UTF-16 unit.</summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    public static string Str(object? value)
    {
        if (value is string s)
        {
            return s;
        }

        var sb = new StringBuilder();
        AppendStr(sb, value);
        return sb.ToString();
    }

    public static string Repr(object? value)
    {
        var sb = new StringBuilder();
        AppendRepr(sb, value);
        return sb.ToString();
    }

    public static void AppendStr(StringBuilder sb, object? value)
    {
        switch (value)
        {
            case string s:
                sb.Append(s);
                break;
            case MarkupString m:
                sb.Append(m.Value);
                break;
            case UndefinedValue:
                break;
            case null:
                sb.Append("None");
                break;
            case bool b:
                sb.Append(b ? "True" : "False");
                break;
            case long l:
                sb.Append(CultureInfo.InvariantCulture, $"{l}");
                break;
            case double d:
                sb.Append(PythonFloat.Repr(d));
                break;
            case DateOnly date:
                AppendDate(sb, date.Year, date.Month, date.Day);
                break;
            case TimeOnly time:
                AppendTime(sb, time.Hour, time.Minute, time.Second, time.Ticks % TimeSpan.TicksPerSecond / 10);
                break;
            case DateTimeOffset moment:
                AppendDateTime(sb, moment.DateTime);
                AppendOffset(sb, moment.Offset);
                break;
            case DateTime naive:
                AppendDateTime(sb, naive);
                break;
            case RangeValue range:
                sb.Append(CultureInfo.InvariantCulture, $"range({range.Start}, {range.Stop}");
                if (range.Step != 1)
                {
                    sb.Append(CultureInfo.InvariantCulture, $", {range.Step}");
                }

                sb.Append(')');
                break;
            case IReadOnlyList<object?> or IReadOnlyDictionary<string, object?> or TemplateDict:
                AppendRepr(sb, value);
                break;
            default:
                sb.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    /// <summary>How deep <see cref="AppendRepr(StringBuilder, object?, int)"/> follows nested containers, about where Python raises RecursionError.</summary>
    public const int MaxDepth = 500;

    public static void AppendRepr(StringBuilder sb, object? value) => AppendRepr(sb, value, 0);

    private static void AppendRepr(StringBuilder sb, object? value, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new TemplateEvaluationException($"value is nested more than {MaxDepth} levels deep");
        }

        switch (value)
        {
            case string s:
                AppendStringRepr(sb, s);
                break;
            case MarkupString m:
                sb.Append("Markup(");
                AppendStringRepr(sb, m.Value);
                sb.Append(')');
                break;
            case UndefinedValue:
                sb.Append("Undefined");
                break;
            case DateOnly date:
                sb.Append(CultureInfo.InvariantCulture, $"datetime.date({date.Year}, {date.Month}, {date.Day})");
                break;
            case TimeOnly time:
                sb.Append(CultureInfo.InvariantCulture, $"datetime.time({time.Hour}, {time.Minute}");
                AppendSecondsRepr(sb, time.Second, time.Ticks % TimeSpan.TicksPerSecond / 10);
                sb.Append(')');
                break;
            case DateTimeOffset moment:
                AppendDateTimeRepr(sb, moment.DateTime);
                sb.Append(", tzinfo=");
                AppendTimezoneRepr(sb, moment.Offset);
                sb.Append(')');
                break;
            case DateTime naive:
                AppendDateTimeRepr(sb, naive);
                sb.Append(')');
                break;
            case TemplateTuple tuple:
                sb.Append('(');
                AppendItems(sb, tuple, depth);
                sb.Append(tuple.Count == 1 ? ",)" : ")");
                break;
            case MappingView view:
                sb.Append(view.TypeName).Append("([");
                AppendItems(sb, view, depth);
                sb.Append("])");
                break;
            case RangeValue:
                AppendStr(sb, value);
                break;
            case IReadOnlyList<object?> list:
                sb.Append('[');
                AppendItems(sb, list, depth);
                sb.Append(']');
                break;
            case IReadOnlyDictionary<string, object?> or TemplateDict:
                sb.Append('{');
                var first = true;
                foreach (var (key, item) in PythonOps.MappingItems(value))
                {
                    if (!first)
                    {
                        sb.Append(", ");
                    }

                    first = false;
                    AppendRepr(sb, key, depth + 1);
                    sb.Append(": ");
                    AppendRepr(sb, item, depth + 1);
                }

                sb.Append('}');
                break;
            default:
                AppendStr(sb, value);
                break;
        }
    }

    private static void AppendItems(StringBuilder sb, IReadOnlyList<object?> items, int depth)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }

            AppendRepr(sb, ValueNormalizer.Normalize(items[i]), depth + 1);
        }
    }

    private static void AppendDate(StringBuilder sb, int year, int month, int day) =>
        sb.Append(CultureInfo.InvariantCulture, $"{year:D4}-{month:D2}-{day:D2}");

    private static void AppendTime(StringBuilder sb, int hour, int minute, int second, long microsecond)
    {
        sb.Append(CultureInfo.InvariantCulture, $"{hour:D2}:{minute:D2}:{second:D2}");
        if (microsecond != 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $".{microsecond:D6}");
        }
    }

    private static void AppendDateTime(StringBuilder sb, DateTime moment)
    {
        AppendDate(sb, moment.Year, moment.Month, moment.Day);
        sb.Append(' ');
        AppendTime(sb, moment.Hour, moment.Minute, moment.Second, moment.Ticks % TimeSpan.TicksPerSecond / 10);
    }

    private static void AppendOffset(StringBuilder sb, TimeSpan offset)
    {
        sb.Append(offset < TimeSpan.Zero ? '-' : '+');
        var magnitude = offset.Duration();
        sb.Append(CultureInfo.InvariantCulture, $"{magnitude.Hours:D2}:{magnitude.Minutes:D2}");
        if (magnitude.Seconds != 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $":{magnitude.Seconds:D2}");
        }
    }

    private static void AppendSecondsRepr(StringBuilder sb, int second, long microsecond)
    {
        if (microsecond != 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $", {second}, {microsecond}");
        }
        else if (second != 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $", {second}");
        }
    }

    private static void AppendDateTimeRepr(StringBuilder sb, DateTime moment)
    {
        sb.Append(CultureInfo.InvariantCulture, $"datetime.datetime({moment.Year}, {moment.Month}, {moment.Day}, {moment.Hour}, {moment.Minute}");
        AppendSecondsRepr(sb, moment.Second, moment.Ticks % TimeSpan.TicksPerSecond / 10);
    }

    private static void AppendTimezoneRepr(StringBuilder sb, TimeSpan offset)
    {
        if (offset == TimeSpan.Zero)
        {
            sb.Append("datetime.timezone.utc");
            return;
        }

        // Python normalizes a timedelta to days, seconds (0..86399) and microseconds.
        var seconds = (long)offset.TotalSeconds;
        var days = Math.DivRem(seconds, 86400, out var rest);
        if (rest < 0)
        {
            days--;
            rest += 86400;
        }

        sb.Append("datetime.timezone(datetime.timedelta(");
        if (days != 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"days={days}, ");
        }

        sb.Append(CultureInfo.InvariantCulture, $"seconds={rest}))");
    }

    /// <summary>Python's <c>repr()</c> of a string: single quotes unless the text has a single quote and no double quote.</summary>
    public static void AppendStringRepr(StringBuilder sb, string s)
    {
        var quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        sb.Append(quote);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == quote || c == '\\')
            {
                sb.Append('\\').Append(c);
                continue;
            }

            switch (c)
            {
                case '\t':
                    sb.Append("\\t");
                    continue;
                case '\n':
                    sb.Append("\\n");
                    continue;
                case '\r':
                    sb.Append("\\r");
                    continue;
            }

            int codePoint = c;
            var units = 1;
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                codePoint = char.ConvertToUtf32(c, s[i + 1]);
                units = 2;
            }

            if (IsPrintable(codePoint))
            {
                sb.Append(s, i, units);
            }
            else
            {
                sb.Append(codePoint switch
                {
                    <= 0xFF => $"\\x{codePoint:x2}",
                    <= 0xFFFF => $"\\u{codePoint:x4}",
                    _ => $"\\U{codePoint:x8}",
                });
            }

            i += units - 1;
        }

        sb.Append(quote);
    }

    // Python's str.isprintable() for one code point.
    private static bool IsPrintable(int codePoint)
    {
        if (codePoint == ' ')
        {
            return true;
        }

        if (codePoint is >= 0xD800 and <= 0xDFFF)
        {
            return false;
        }

        var category = CharUnicodeInfo.GetUnicodeCategory(codePoint);
        return category is not (UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.SpaceSeparator);
    }

    /// <summary>markupsafe's <c>escape</c>.</summary>
    public static string HtmlEscape(string text)
    {
        if (text.AsSpan().IndexOfAny("&<>\"'") < 0)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            switch (c)
            {
                case '&':
                    sb.Append("&amp;");
                    break;
                case '<':
                    sb.Append("&lt;");
                    break;
                case '>':
                    sb.Append("&gt;");
                    break;
                case '"':
                    sb.Append("&#34;");
                    break;
                case '\'':
                    sb.Append("&#39;");
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb.ToString();
    }

    // ---- code points -------------------------------------------------------------------------------------------

    private static bool HasSurrogates(string s) => s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;

    public static int CodePointLength(string s)
    {
        if (!HasSurrogates(s))
        {
            return s.Length;
        }

        var count = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }

            count++;
        }

        return count;
    }

    /// <summary>The string as Python's <c>list(s)</c>: one string per code point.</summary>
    public static string[] CodePoints(string s)
    {
        var result = new List<string>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                result.Add(s.Substring(i, 2));
                i++;
            }
            else
            {
                result.Add(s[i].ToString());
            }
        }

        return [.. result];
    }

    /// <summary>The first <paramref name="count"/> code points of <paramref name="s"/>.</summary>
    public static string Prefix(string s, int count)
    {
        if (count <= 0)
        {
            return string.Empty;
        }

        if (!HasSurrogates(s))
        {
            return count >= s.Length ? s : s[..count];
        }

        return string.Concat(CodePoints(s).Take(count));
    }

    /// <summary>Orders strings by code point, as Python does (UTF-16 order differs above U+D7FF).</summary>
    public static int CompareCodePoints(string a, string b)
    {
        var count = Math.Min(a.Length, b.Length);
        for (var i = 0; i < count; i++)
        {
            var x = a[i];
            var y = b[i];
            if (x != y)
            {
                return Fixup(x).CompareTo(Fixup(y));
            }
        }

        return a.Length.CompareTo(b.Length);

        static int Fixup(char c) => c >= '\uE000' ? c - 0x800 : c >= '\uD800' ? c + 0x2000 : c;
    }

    // ---- Python str methods ------------------------------------------------------------------------------------

    public static string Strip(string s, string? chars)
    {
        var start = 0;
        var end = s.Length;
        if (chars is null)
        {
            while (start < end && IsSpace(s[start]))
            {
                start++;
            }

            while (end > start && IsSpace(s[end - 1]))
            {
                end--;
            }
        }
        else
        {
            while (start < end && chars.Contains(s[start], StringComparison.Ordinal))
            {
                start++;
            }

            while (end > start && chars.Contains(s[end - 1], StringComparison.Ordinal))
            {
                end--;
            }
        }

        return s[start..end];
    }

    public static string Upper(string s) => s.ToUpperInvariant();

    public static string Lower(string s) => s.ToLowerInvariant();

    /// <summary>Python's <c>str.capitalize()</c>: first character upper case, the rest lower case.</summary>
    public static string Capitalize(string s)
    {
        if (s.Length == 0)
        {
            return s;
        }

        var firstLength = char.IsHighSurrogate(s[0]) && s.Length > 1 && char.IsLowSurrogate(s[1]) ? 2 : 1;
        return string.Concat(s[..firstLength].ToUpperInvariant(), s[firstLength..].ToLowerInvariant());
    }

    /// <summary>Python's <c>str.islower()</c> (<paramref name="lower"/> true) or <c>str.isupper()</c>.</summary>
    public static bool IsCased(string s, bool lower)
    {
        var cased = false;
        foreach (var c in s)
        {
            if (char.IsUpper(c) || char.GetUnicodeCategory(c) == UnicodeCategory.TitlecaseLetter)
            {
                if (lower)
                {
                    return false;
                }

                cased = true;
            }
            else if (char.IsLower(c))
            {
                if (!lower)
                {
                    return false;
                }

                cased = true;
            }
        }

        return cased;
    }

    /// <summary>Python's <c>str.replace(old, new, count)</c>; a negative count replaces all.</summary>
    public static string Replace(string s, string old, string replacement, long count)
    {
        if (count < 0)
        {
            count = long.MaxValue;
        }

        var sb = new StringBuilder();
        if (old.Length == 0)
        {
            // Python inserts the replacement before every character and at the end.
            var points = CodePoints(s);
            var done = 0L;
            foreach (var point in points)
            {
                if (done < count)
                {
                    sb.Append(replacement);
                    done++;
                }

                sb.Append(point);
            }

            if (done < count)
            {
                sb.Append(replacement);
            }

            return sb.ToString();
        }

        var position = 0;
        var replaced = 0L;
        while (replaced < count)
        {
            var index = s.IndexOf(old, position, StringComparison.Ordinal);
            if (index < 0)
            {
                break;
            }

            sb.Append(s, position, index - position).Append(replacement);
            position = index + old.Length;
            replaced++;
        }

        return replaced == 0 ? s : sb.Append(s, position, s.Length - position).ToString();
    }

    /// <summary>Python's <c>str.splitlines()</c> boundaries.</summary>
    public static List<string> SplitLines(string s)
    {
        var lines = new List<string>();
        var start = 0;
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029')
            {
                lines.Add(s[start..i]);
                i += c == '\r' && i + 1 < s.Length && s[i + 1] == '\n' ? 2 : 1;
                start = i;
            }
            else
            {
                i++;
            }
        }

        if (start < s.Length)
        {
            lines.Add(s[start..]);
        }

        return lines;
    }

    /// <summary>Whether the code point matches Python's <c>\w</c>.</summary>
    public static bool IsWordCharacter(Rune rune)
    {
        if (rune.Value == '_' || Rune.IsLetterOrDigit(rune))
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
    }
}
