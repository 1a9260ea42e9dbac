using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mxcp.Cli.Output;

/// <summary>Renders rows (a JSON array of objects) as a plain-text table for humans.</summary>
internal static class TableRenderer
{
    private const int MaxCellWidth = 60;

    public static bool CanRender(JsonNode? value) =>
        value is JsonArray array && array.Count > 0 && array.All(r => r is JsonObject);

    public static string Render(JsonArray rows, int? limit = null)
    {
        var columns = new List<string>();
        foreach (var row in rows.OfType<JsonObject>())
        {
            foreach (var (key, _) in row)
            {
                if (!columns.Contains(key))
                {
                    columns.Add(key);
                }
            }
        }

        var shown = rows.OfType<JsonObject>().Take(limit ?? int.MaxValue).ToList();
        var cells = shown.Select(r => columns.Select(c => Cell(r.TryGetPropertyValue(c, out var v) ? v : null)).ToArray()).ToList();
        var widths = columns.Select((c, i) => Math.Max(c.Length, cells.Count == 0 ? 0 : cells.Max(r => r[i].Length))).ToArray();

        var sb = new StringBuilder();
        AppendLine(sb, columns, widths);
        sb.AppendJoin("-+-", widths.Select(w => new string('-', w))).AppendLine();
        foreach (var row in cells)
        {
            AppendLine(sb, row, widths);
        }

        return sb.ToString();
    }

    public static string Cell(JsonNode? value)
    {
        var text = value switch
        {
            null => "NULL",
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            _ => value.ToJsonString(),
        };
        text = text.ReplaceLineEndings(" ");
        return text.Length > MaxCellWidth ? text[..(MaxCellWidth - 1)] + "…" : text;
    }

    private static void AppendLine(StringBuilder sb, IReadOnlyList<string> values, int[] widths)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(" | ");
            }

            sb.Append(values[i].PadRight(widths[i]));
        }

        sb.Append('\n');
    }
}
