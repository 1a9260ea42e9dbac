using System.Globalization;
using System.Text;

namespace Mxcp.Runtime.Templates;

/// <summary>
/// The <c>tojson</c> filter: Python's <c>json.dumps(value, sort_keys=True, indent=...)</c> followed by Jinja2's
/// HTML-safe replacement of <c>&lt; &gt; &amp; '</c> with <c>\u</c> escapes.
/// </summary>
internal static class JsonDumper
{
    public static string Dump(object? value, object? indent)
    {
        string? indentText = indent switch
        {
            null => null,
            UndefinedValue => null,
            bool b => b ? " " : string.Empty,
            long n => n > 0 ? new string(' ', (int)Math.Min(n, 1000)) : string.Empty,
            string s => s,
            MarkupString m => m.Value,
            _ => throw new TemplateEvaluationException($"tojson() indent must be an integer or a string, not {PythonOps.TypeName(indent)}"),
        };
        var sb = new StringBuilder();
        Write(sb, value, indentText, 0);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? value, string? indent, int level)
    {
        if (level > PythonText.MaxDepth)
        {
            throw new TemplateEvaluationException($"value is nested more than {PythonText.MaxDepth} levels deep");
        }

        switch (value)
        {
            case null:
                sb.Append("null");
                return;
            case bool b:
                sb.Append(b ? "true" : "false");
                return;
            case long l:
                sb.Append(CultureInfo.InvariantCulture, $"{l}");
                return;
            case double d:
                sb.Append(FloatText(d));
                return;
            case string or MarkupString:
                WriteString(sb, PythonText.Str(value));
                return;
        }

        if (PythonOps.GetSequenceKind(value) is SequenceKind.List or SequenceKind.Tuple)
        {
            var list = (IReadOnlyList<object?>)value!;
            if (list.Count == 0)
            {
                sb.Append("[]");
                return;
            }

            sb.Append('[');
            for (var i = 0; i < list.Count; i++)
            {
                Separate(sb, indent, level + 1, i > 0);
                Write(sb, ValueNormalizer.Normalize(list[i]), indent, level + 1);
            }

            Close(sb, indent, level, ']');
            return;
        }

        if (PythonOps.IsMapping(value))
        {
            var entries = PythonOps.MappingItems(value!).ToList();
            if (entries.Count == 0)
            {
                sb.Append("{}");
                return;
            }

            var order = Enumerable.Range(0, entries.Count).ToArray();
            StableSort.Sort(order, (x, y) => PythonOps.LessThan(entries[x].Key, entries[y].Key));
            sb.Append('{');
            for (var i = 0; i < order.Length; i++)
            {
                var (key, item) = entries[order[i]];
                Separate(sb, indent, level + 1, i > 0);
                WriteString(sb, KeyText(key));
                sb.Append(": ");
                Write(sb, item, indent, level + 1);
            }

            Close(sb, indent, level, '}');
            return;
        }

        throw new TemplateEvaluationException($"Object of type {PythonOps.TypeName(value)} is not JSON serializable");
    }

    private static void Separate(StringBuilder sb, string? indent, int level, bool notFirst)
    {
        if (indent is null)
        {
            if (notFirst)
            {
                sb.Append(", ");
            }

            return;
        }

        if (notFirst)
        {
            sb.Append(',');
        }

        sb.Append('\n');
        for (var i = 0; i < level; i++)
        {
            sb.Append(indent);
        }
    }

    private static void Close(StringBuilder sb, string? indent, int level, char bracket)
    {
        if (indent is not null)
        {
            sb.Append('\n');
            for (var i = 0; i < level; i++)
            {
                sb.Append(indent);
            }
        }

        sb.Append(bracket);
    }

    private static string FloatText(double value) => value switch
    {
        double.NaN => "NaN",
        double.PositiveInfinity => "Infinity",
        double.NegativeInfinity => "-Infinity",
        _ => PythonFloat.Repr(value),
    };

    private static string KeyText(object? key) => key switch
    {
        string s => s,
        MarkupString m => m.Value,
        null => "null",
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FloatText(d),
        _ => throw new TemplateEvaluationException($"keys must be str, int, float, bool or None, not {PythonOps.TypeName(key)}"),
    };

    private static void WriteString(StringBuilder sb, string text)
    {
        sb.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                case '\b':
                    sb.Append("\\b");
                    break;
                case '\f':
                    sb.Append("\\f");
                    break;

                // Jinja2's htmlsafe_json_dumps escapes these after json.dumps.
                case '<' or '>' or '&' or '\'':
                    sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    break;
                default:
                    if (c is < ' ' or > '~')
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }
}
