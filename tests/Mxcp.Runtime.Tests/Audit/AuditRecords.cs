using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Runtime.Audit;
using Mxcp.Runtime.Audit.Jsonl;
using Mxcp.Runtime.Tests.TestSupport;

namespace Mxcp.Runtime.Tests.Audit;

/// <summary>Records and JSONL backends for store tests.</summary>
internal static class AuditRecords
{
    public static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static AuditRecord Make(
        int minute,
        string name = "get_customer",
        string type = "tool",
        string status = "success",
        string? user = "u-1",
        string? session = "s-1",
        string? trace = null,
        string? decision = null,
        string schema = AuditRecord.EndpointsSchema) => new()
        {
            SchemaName = schema,
            RecordId = Guid.NewGuid().ToString(),
            Timestamp = T0.AddMinutes(minute),
            OperationType = type,
            OperationName = name,
            OperationStatus = status,
            DurationMs = minute,
            CallerType = "stdio",
            UserId = user,
            SessionId = session,
            TraceId = trace,
            InputData = JsonElement.Parse($$"""{"minute": {{minute}}, "note": "ünïcode \"quoted\""}"""),
            OutputData = status == "success" ? JsonElement.Parse("""[{"a": 1}]""") : null,
            Error = status == "success" ? null : "boom",
            PoliciesEvaluated = decision is null ? [] : ["input[0]: true"],
            PolicyDecision = decision,
            BusinessContext = JsonElement.Parse($$"""{"operation_type": "{{type}}"}"""),
            ExecutionEvents = JsonElement.Parse("[]"),
        };

    public static JsonlAuditBackend Backend(string directory, long maxFileSize = 50_000_000, TimeProvider? time = null, RecordingLoggerFactory? logs = null) =>
        new(Path.Combine(directory, "logs-dev.jsonl"), maxFileSize, flushToDisk: true, AuditSchemas.Endpoints(90, []),
            (logs ?? new RecordingLoggerFactory()).CreateLogger("audit"), time ?? new ManualTimeProvider(T0.AddHours(1)));

    public static async Task<List<AuditRecord>> QueryAsync(IAuditStore store, AuditQuery query)
    {
        var list = new List<AuditRecord>();
        await foreach (var record in store.QueryAsync(query, TestContext.Current.CancellationToken))
        {
            list.Add(record);
        }

        return list;
    }

    public static string Line(AuditRecord record) => System.Text.Encoding.UTF8.GetString(AuditRecordJson.ToUtf8(record));
}
