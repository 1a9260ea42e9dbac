using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Mxcp.Admin.Console;

/// <summary>Small helpers to write the console's HTML: everything that comes from data goes through <see cref="E"/>.</summary>
internal static class Html
{
    /// <summary>HTML-encodes a value (text and attribute values alike).</summary>
    public static string E(object? value) => WebUtility.HtmlEncode(value switch
    {
        null => "",
        JsonNode node => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node.ToJsonString(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    }) ?? "";

    /// <summary>A URL path segment (resource URIs included).</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    public static string Query(params (string Key, string? Value)[] pairs) =>
        string.Join("&", pairs.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value!)}"));

    public static string Milliseconds(JsonNode? value) => value is null ? "–" : E(value.GetValue<double>().ToString("0.###", CultureInfo.InvariantCulture));

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.0 'GiB'", CultureInfo.InvariantCulture),
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.0 'MiB'", CultureInfo.InvariantCulture),
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("0.0 'KiB'", CultureInfo.InvariantCulture),
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };

    /// <summary>A status word as a badge; the word itself is the text, colour only repeats it.</summary>
    public static string Badge(string? status) => status is null ? "–" : $"<span class=\"badge badge-{E(status)}\">{E(status)}</span>";

    /// <summary>A definition list of label and already-encoded HTML pairs.</summary>
    public static string Definitions(params (string Label, string Html)[] items)
    {
        var sb = new StringBuilder("<dl class=\"facts\">");
        foreach (var (label, html) in items)
        {
            sb.Append("<dt>").Append(E(label)).Append("</dt><dd>").Append(html.Length == 0 ? "–" : html).Append("</dd>");
        }

        return sb.Append("</dl>").ToString();
    }

    public static string Time(string? iso) => iso is null ? "–" : $"<time datetime=\"{E(iso)}\">{E(iso.Replace('T', ' '))}</time>";

    /// <summary>A section with a heading that labels it.</summary>
    public static string Section(string id, string heading, string body, string? attributes = null) =>
        $"<section aria-labelledby=\"{id}\"{(attributes is null ? "" : " " + attributes)}><h2 id=\"{id}\">{E(heading)}</h2>{body}</section>";
}
