using System.Text.Json.Nodes;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Audit;

/// <summary>
/// The server's audit schema, the Python MXCP's <c>mxcp.endpoints</c> v2, with this profile's retention and field
/// redactions, as the schema side file of the JSONL backend stores it.
/// </summary>
internal static class AuditSchemas
{
    /// <summary>Fields whose values are copied into <c>business_context</c>.</summary>
    public static readonly string[] ExtractFields = ["operation_type", "operation_name", "operation_status", "policy_decision"];

    public static string SchemaId(string name, int version) => $"{name}:v{version}";

    /// <summary>The schema definition without <c>created_at</c> (which differs on every registration).</summary>
    public static JsonObject Endpoints(int retentionDays, IReadOnlyList<FieldRedaction> redactions) => new()
    {
        ["schema_name"] = AuditRecord.EndpointsSchema,
        ["version"] = AuditRecord.EndpointsSchemaVersion,
        ["description"] = "Audit records of MCP tool, resource and prompt executions",
        ["retention_days"] = retentionDays,
        ["evidence_level"] = "detailed",
        ["extract_fields"] = Strings(ExtractFields),
        ["require_signature"] = false,
        ["created_by"] = "system",
        ["active"] = true,
        ["indexes"] = Strings(["operation_type", "operation_name", "timestamp", "user_id"]),
        ["fields"] = new JsonArray(
            Field("operation_type", "string", required: true, "tool, resource or prompt"),
            Field("operation_name", "string", required: true, "The tool or prompt name, or the resource URI"),
            Field("input_data", "object", required: false, "The arguments, sensitive values redacted", sensitive: true),
            Field("output_data", "any", required: false, "The result, sensitive values redacted"),
            Field("execution_events", "array", required: false, "External calls made during the execution"),
            Field("error", "string", required: false, "The error message of a failed call"),
            Field("policy_decision", "string", required: false, "allow, deny or warn"),
            Field("policy_reason", "string", required: false, "Why a policy denied or changed the call")),
        ["field_redactions"] = new JsonArray(redactions.Select(r => (JsonNode)new JsonObject
        {
            ["field_path"] = r.FieldPath,
            ["strategy"] = r.StrategyName,
            ["options"] = r.RawOptions is { } options ? JsonNode.Parse(options.GetRawText()) : null,
        }).ToArray()),
    };

    private static JsonObject Field(string name, string type, bool required, string description, bool sensitive = false) => new()
    {
        ["name"] = name,
        ["type"] = type,
        ["required"] = required,
        ["description"] = description,
        ["sensitive"] = sensitive,
    };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
