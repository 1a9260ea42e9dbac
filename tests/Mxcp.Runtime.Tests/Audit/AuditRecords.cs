using Mxcp.Abstractions;
using Mxcp.Runtime.Audit;
using Mxcp.Runtime.Audit.Jsonl;
using Mxcp.Runtime.Tests.TestSupport;
using Mxcp.Tests.Shared;

namespace Mxcp.Runtime.Tests.Audit;

/// <summary>Records and JSONL backends for store tests.</summary>
internal static class AuditRecords
{
    public static readonly DateTimeOffset T0 = AuditStoreConformanceTests.T0;

    public static AuditRecord Make(
        int minute,
        string name = "get_customer",
        string type = "tool",
        string status = "success",
        string? user = "u-1",
        string? session = "s-1",
        string? trace = null,
        string? decision = null,
        string schema = AuditRecord.EndpointsSchema) => AuditStoreConformanceTests.Make(minute, name, type, status, user, session, trace, decision, schema);

    public static JsonlAuditBackend Backend(string directory, long maxFileSize = 50_000_000, TimeProvider? time = null, RecordingLoggerFactory? logs = null) =>
        new(Path.Combine(directory, "logs-dev.jsonl"), maxFileSize, flushToDisk: true, AuditSchemas.Endpoints(90, []),
            (logs ?? new RecordingLoggerFactory()).CreateLogger("audit"), time ?? new ManualTimeProvider(T0.AddHours(1)));

    public static Task<List<AuditRecord>> QueryAsync(IAuditStore store, AuditQuery query) => AuditStoreConformanceTests.QueryAsync(store, query);

    public static string Line(AuditRecord record) => System.Text.Encoding.UTF8.GetString(AuditRecordJson.ToUtf8(record));
}
