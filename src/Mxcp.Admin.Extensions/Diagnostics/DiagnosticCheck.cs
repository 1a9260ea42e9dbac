using System.Text.Json.Nodes;

namespace Mxcp.Admin.Diagnostics;

/// <summary>The result of one check of <c>/diagnostics</c> and <c>mxcp doctor</c>.</summary>
/// <param name="Name">What was checked: <c>config</c>, <c>secrets</c>, <c>endpoints</c>, <c>duckdb</c>, ...</param>
/// <param name="Status"><c>ok</c>, <c>warning</c>, <c>error</c> or <c>skipped</c>.</param>
/// <param name="Message">What was found (never a secret's value).</param>
/// <param name="Hint">How to fix it, for warnings and errors.</param>
/// <param name="Details">Facts behind the message (paths, versions, names).</param>
internal sealed record DiagnosticCheck(string Name, string Status, string Message, string? Hint = null, JsonObject? Details = null)
{
    public const string Ok = "ok";
    public const string Warning = "warning";
    public const string Error = "error";
    public const string Skipped = "skipped";

    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["status"] = Status,
        ["message"] = Message,
        ["hint"] = Hint,
        ["details"] = Details?.DeepClone() ?? new JsonObject(),
    };
}

/// <summary>Every check, and the worst status among them.</summary>
internal sealed record DiagnosticsReport(IReadOnlyList<DiagnosticCheck> Checks, DateTimeOffset Timestamp)
{
    public string Status => Checks.Any(c => c.Status == DiagnosticCheck.Error) ? DiagnosticCheck.Error
        : Checks.Any(c => c.Status == DiagnosticCheck.Warning) ? DiagnosticCheck.Warning
        : DiagnosticCheck.Ok;

    public JsonObject ToJson() => new()
    {
        ["status"] = Status,
        ["timestamp"] = Timestamp.ToString("O"),
        ["checks"] = new JsonArray(Checks.Select(c => (JsonNode)c.ToJson()).ToArray()),
    };
}
