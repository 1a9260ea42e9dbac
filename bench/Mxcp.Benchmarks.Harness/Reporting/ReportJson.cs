using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mxcp.Benchmarks.Harness.Reporting;

/// <summary>The JSON form of the report: snake_case names, indented.</summary>
internal static class ReportJson
{
    /// <summary>Writes the report as <paramref name="json"/> and its Markdown next to it (the same name, <c>.md</c>); returns the Markdown's path.</summary>
    public static async Task<string> WriteAsync(BenchmarkReport report, string json, CancellationToken cancellationToken)
    {
        var markdown = Path.ChangeExtension(json, ".md");
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(report, Options) + "\n", cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(markdown, MarkdownReport.Render(report, Path.GetFileName(json)), cancellationToken).ConfigureAwait(false);
        return markdown;
    }

    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
