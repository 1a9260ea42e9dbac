using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mxcp.Benchmarks.Harness.Reporting;

/// <summary>The JSON form of the report: snake_case names, indented.</summary>
internal static class ReportJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
