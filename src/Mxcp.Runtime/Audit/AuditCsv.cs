using System.Globalization;
using System.Text.Json;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Audit;

/// <summary>
/// Audit records as CSV (RFC 4180): the reference's 23 columns; nested values (input, output, business context, events,
/// evaluated policies) are JSON text in their cells. Used by <c>mxcp log --export-csv</c> and the admin export.
/// </summary>
internal static class AuditCsv
{
    public static readonly string[] Columns =
    [
        "schema_name", "schema_version", "record_id", "timestamp", "operation_type", "operation_name", "operation_status",
        "duration_ms", "caller_type", "user_id", "session_id", "trace_id", "input_data", "output_data", "error",
        "policies_evaluated", "policy_decision", "policy_reason", "business_context", "execution_events", "prev_hash",
        "record_hash", "signature",
    ];

    public static string Header { get; } = string.Join(',', Columns);

    public static string Row(AuditRecord r)
    {
        string?[] values =
        [
            r.SchemaName, r.SchemaVersion.ToString(CultureInfo.InvariantCulture), r.RecordId, AuditRecordJson.FormatTimestamp(r.Timestamp),
            r.OperationType, r.OperationName, r.OperationStatus, r.DurationMs.ToString(CultureInfo.InvariantCulture), r.CallerType,
            r.UserId, r.SessionId, r.TraceId, AuditRecordJson.NestedText(r.InputData, "{}"), AuditRecordJson.NestedText(r.OutputData, null),
            r.Error, JsonSerializer.Serialize(r.PoliciesEvaluated), r.PolicyDecision, r.PolicyReason,
            AuditRecordJson.NestedText(r.BusinessContext, "{}"), AuditRecordJson.NestedText(r.ExecutionEvents, "[]"),
            r.PrevHash, r.RecordHash, r.Signature,
        ];
        return string.Join(',', values.Select(Quote));
    }

    private static string Quote(string? value)
    {
        if (value is null)
        {
            return "";
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
