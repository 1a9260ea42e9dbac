using System.Globalization;
using System.Text;
using Mxcp.Abstractions;
using Mxcp.Runtime.Audit;

namespace Mxcp.Cli.Output;

/// <summary>
/// <c>mxcp log --export-csv</c>: one row per record with every field of mxcp-reference §12.1 in its order; nested values
/// (<c>input_data</c>, <c>output_data</c>, ...) as JSON, RFC 4180 quoting. Streams: the log is never held in memory.
/// </summary>
internal static class AuditCsvExporter
{
    public static readonly string[] Columns =
    [
        "schema_name", "schema_version", "record_id", "timestamp", "operation_type", "operation_name", "operation_status",
        "duration_ms", "caller_type", "user_id", "session_id", "trace_id", "input_data", "output_data", "error",
        "policies_evaluated", "policy_decision", "policy_reason", "business_context", "execution_events", "prev_hash",
        "record_hash", "signature",
    ];

    public static async Task<long> ExportAsync(IAsyncEnumerable<AuditRecord> records, string path, CancellationToken cancellationToken)
    {
        var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        await using (writer.ConfigureAwait(false))
        {
            writer.NewLine = "\r\n";
            await writer.WriteLineAsync(string.Join(',', Columns)).ConfigureAwait(false);
            long count = 0;
            await foreach (var r in records.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                string?[] values =
                [
                    r.SchemaName, r.SchemaVersion.ToString(CultureInfo.InvariantCulture), r.RecordId, AuditRecordJson.FormatTimestamp(r.Timestamp),
                    r.OperationType, r.OperationName, r.OperationStatus, r.DurationMs.ToString(CultureInfo.InvariantCulture), r.CallerType,
                    r.UserId, r.SessionId, r.TraceId, AuditRecordJson.NestedText(r.InputData, "{}"), AuditRecordJson.NestedText(r.OutputData, null),
                    r.Error, System.Text.Json.JsonSerializer.Serialize(r.PoliciesEvaluated), r.PolicyDecision, r.PolicyReason,
                    AuditRecordJson.NestedText(r.BusinessContext, "{}"), AuditRecordJson.NestedText(r.ExecutionEvents, "[]"),
                    r.PrevHash, r.RecordHash, r.Signature,
                ];
                await writer.WriteLineAsync(string.Join(',', values.Select(Quote))).ConfigureAwait(false);
                count++;
            }

            return count;
        }
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
