using System.Text.Json;

namespace Mxcp.Abstractions;

/// <summary>
/// One audit record: an MCP call of a tool, resource or prompt as the server answered it. The property names map to
/// the JSON field names of the MXCP audit log (<c>schema_name</c>, <c>record_id</c>, <c>operation_type</c>, ...); one
/// record is one line of a JSONL segment or one row of a database store. Values are already redacted.
/// </summary>
public sealed record AuditRecord
{
    /// <summary>The schema of the server's endpoint records.</summary>
    public const string EndpointsSchema = "mxcp.endpoints";

    /// <summary>The current version of <see cref="EndpointsSchema"/>.</summary>
    public const int EndpointsSchemaVersion = 2;

    /// <summary><c>schema_name</c>: the schema the record follows.</summary>
    public string SchemaName { get; init; } = EndpointsSchema;

    /// <summary><c>schema_version</c>: the version of <see cref="SchemaName"/>.</summary>
    public int SchemaVersion { get; init; } = EndpointsSchemaVersion;

    /// <summary><c>record_id</c>: a unique id (a UUID).</summary>
    public required string RecordId { get; init; }

    /// <summary><c>timestamp</c>: when the call completed, in UTC, with microsecond precision.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary><c>operation_type</c>: <c>tool</c>, <c>resource</c> or <c>prompt</c>.</summary>
    public required string OperationType { get; init; }

    /// <summary><c>operation_name</c>: the tool or prompt name, or the resource URI.</summary>
    public required string OperationName { get; init; }

    /// <summary><c>operation_status</c>: <c>success</c> or <c>error</c>.</summary>
    public required string OperationStatus { get; init; }

    /// <summary><c>duration_ms</c>: the wall time of the call in whole milliseconds.</summary>
    public long DurationMs { get; init; }

    /// <summary><c>caller_type</c>: <c>stdio</c>, <c>http</c>, <c>cli</c>, <c>api</c>, <c>system</c> or <c>unknown</c>.</summary>
    public string CallerType { get; init; } = "unknown";

    /// <summary><c>user_id</c>: the authenticated user, if any.</summary>
    public string? UserId { get; init; }

    /// <summary><c>session_id</c>: the MCP session id, if the transport has sessions.</summary>
    public string? SessionId { get; init; }

    /// <summary><c>trace_id</c>: the trace id (hex) when tracing is on.</summary>
    public string? TraceId { get; init; }

    /// <summary><c>input_data</c>: the arguments as the client sent them (a JSON object), sensitive values redacted.</summary>
    public JsonElement? InputData { get; init; }

    /// <summary><c>output_data</c>: the result returned, sensitive values redacted; <see langword="null"/> on error.</summary>
    public JsonElement? OutputData { get; init; }

    /// <summary><c>error</c>: the error message of a failed call.</summary>
    public string? Error { get; init; }

    /// <summary><c>policies_evaluated</c>: the policy rules evaluated, as <c>input[i]: condition</c>.</summary>
    public IReadOnlyList<string> PoliciesEvaluated { get; init; } = [];

    /// <summary><c>policy_decision</c>: <c>allow</c>, <c>deny</c>, <c>warn</c>, or <see langword="null"/> without policies.</summary>
    public string? PolicyDecision { get; init; }

    /// <summary><c>policy_reason</c>: why a policy denied or changed the call.</summary>
    public string? PolicyReason { get; init; }

    /// <summary><c>business_context</c>: fields extracted for reporting (a JSON object).</summary>
    public JsonElement? BusinessContext { get; init; }

    /// <summary><c>execution_events</c>: external calls made by the endpoint (a JSON array).</summary>
    public JsonElement? ExecutionEvents { get; init; }

    /// <summary><c>prev_hash</c>: reserved for a hash-chained store; <see langword="null"/>.</summary>
    public string? PrevHash { get; init; }

    /// <summary><c>record_hash</c>: reserved for a hash-chained store; <see langword="null"/>.</summary>
    public string? RecordHash { get; init; }

    /// <summary><c>signature</c>: reserved for signed records; <see langword="null"/>.</summary>
    public string? Signature { get; init; }
}
