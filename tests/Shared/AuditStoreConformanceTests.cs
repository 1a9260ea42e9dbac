using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;

namespace Mxcp.Tests.Shared;

/// <summary>
/// What every audit backend must do the same way (linked into the test project of each backend): the same filters,
/// order, paging, stats and retention over the same records, and records that read back exactly as written.
/// </summary>
public abstract class AuditStoreConformanceTests
{
    public static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A new, empty store.</summary>
    protected abstract Task<IAuditBackend> OpenAsync();

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
            InputData = JsonElement.Parse($$$"""{"minute": {{{minute}}}, "note": "ünïcode \"quoted\"", "nested": {"b": [1, 2.5, null, true]}}"""),
            OutputData = status == "success" ? JsonElement.Parse("""[{"a": 1, "z": "last", "m": "middle"}]""") : null,
            Error = status == "success" ? null : "boom",
            PoliciesEvaluated = decision is null ? [] : ["input[0]: user.role == 'guest'"],
            PolicyDecision = decision,
            PolicyReason = decision == "deny" ? "Guests cannot" : null,
            BusinessContext = JsonElement.Parse($$"""{"operation_type": "{{type}}"}"""),
            ExecutionEvents = JsonElement.Parse("[]"),
        };

    /// <summary>Every public field of a record as JSON, to compare records field by field.</summary>
    public static string Canonical(AuditRecord r) => new JsonObject
    {
        ["schema_name"] = r.SchemaName,
        ["schema_version"] = r.SchemaVersion,
        ["record_id"] = r.RecordId,
        ["timestamp"] = r.Timestamp.UtcTicks,
        ["operation_type"] = r.OperationType,
        ["operation_name"] = r.OperationName,
        ["operation_status"] = r.OperationStatus,
        ["duration_ms"] = r.DurationMs,
        ["caller_type"] = r.CallerType,
        ["user_id"] = r.UserId,
        ["session_id"] = r.SessionId,
        ["trace_id"] = r.TraceId,
        ["input_data"] = r.InputData is { } i ? JsonNode.Parse(i.GetRawText()) : null,
        ["output_data"] = r.OutputData is { } o ? JsonNode.Parse(o.GetRawText()) : null,
        ["error"] = r.Error,
        ["policies_evaluated"] = new JsonArray(r.PoliciesEvaluated.Select(p => (JsonNode?)p).ToArray()),
        ["policy_decision"] = r.PolicyDecision,
        ["policy_reason"] = r.PolicyReason,
        ["business_context"] = r.BusinessContext is { } b ? JsonNode.Parse(b.GetRawText()) : null,
        ["execution_events"] = r.ExecutionEvents is { } e ? JsonNode.Parse(e.GetRawText()) : null,
        ["prev_hash"] = r.PrevHash,
        ["record_hash"] = r.RecordHash,
        ["signature"] = r.Signature,
    }.ToJsonString();

    public static async Task<List<AuditRecord>> QueryAsync(IAuditStore store, AuditQuery query)
    {
        var list = new List<AuditRecord>();
        await foreach (var record in store.QueryAsync(query, Ct))
        {
            list.Add(record);
        }

        return list;
    }

    public static TheoryData<string, int[]> Filters() => new()
    {
        { "none", [9, 8, 7, 6, 5, 4, 3, 2, 1, 0] },
        { "schema", [6] },
        { "start", [9, 8, 7] },
        { "end", [2, 1, 0] },
        { "range", [5, 4, 3] },
        { "type", [3] },
        { "name", [4, 2] },
        { "names", [5, 4, 2] },
        { "status", [7, 1] },
        { "user", [8] },
        { "no-user-match", [] },
        { "session", [9] },
        { "trace", [0] },
        { "decision", [5] },
        { "no-decision", [9, 8, 7, 6, 4, 3, 2, 1, 0] },
        { "decision-or-none", [9, 8, 7, 6, 5, 4, 3, 2, 1, 0] },
        { "combined", [4] },
        { "empty-list", [] },
        { "name-with-symbols", [1] },
        { "injection-attempt", [] },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task QueryAsync_EachFilter_ReturnsExactlyTheMatchingRecordsNewestFirst(string filter, int[] expected)
    {
        await using var store = await OpenAsync();
        await store.WriteAsync(
        [
            Make(0, trace: "trace-0"),
            Make(1, status: "error", name: "weird 'name' \"x\"+1"),
            Make(2, name: "top_products"),
            Make(3, type: "resource", name: "sales://customers/{id}"),
            Make(4, name: "top_products", user: "u-2"),
            Make(5, name: "monthly_revenue", decision: "deny"),
            Make(6, schema: "custom.schema"),
            Make(7, status: "error"),
            Make(8, user: "ann@corp.example"),
            Make(9, session: "s-9"),
        ], Ct);

        var query = filter switch
        {
            "none" => new AuditQuery(),
            "schema" => new AuditQuery { SchemaName = "custom.schema" },
            "start" => new AuditQuery { StartTime = T0.AddMinutes(7) },
            "end" => new AuditQuery { EndTime = T0.AddMinutes(2) },
            "range" => new AuditQuery { StartTime = T0.AddMinutes(3), EndTime = T0.AddMinutes(5) },
            "type" => new AuditQuery { OperationTypes = ["resource"] },
            "name" => new AuditQuery { OperationNames = ["top_products"] },
            "names" => new AuditQuery { OperationNames = ["top_products", "monthly_revenue"] },
            "status" => new AuditQuery { OperationStatuses = ["error"] },
            "user" => new AuditQuery { UserIds = ["ann@corp.example"] },
            "no-user-match" => new AuditQuery { UserIds = ["u-"] },
            "session" => new AuditQuery { SessionIds = ["s-9"] },
            "trace" => new AuditQuery { TraceIds = ["trace-0"] },
            "decision" => new AuditQuery { PolicyDecisions = ["deny"] },
            "no-decision" => new AuditQuery { PolicyDecisions = [null] },
            "decision-or-none" => new AuditQuery { PolicyDecisions = ["deny", null] },
            "combined" => new AuditQuery { OperationNames = ["top_products"], UserIds = ["u-2"], OperationStatuses = ["success"], StartTime = T0 },
            "empty-list" => new AuditQuery { OperationTypes = [] },
            "name-with-symbols" => new AuditQuery { OperationNames = ["weird 'name' \"x\"+1"] },
            "injection-attempt" => new AuditQuery { OperationNames = ["x' OR '1'='1"], UserIds = ["u-1') OR TRUE --"] },
            _ => throw new ArgumentOutOfRangeException(nameof(filter)),
        };

        Assert.Equal(expected, (await QueryAsync(store, query)).Select(r => (int)r.DurationMs));
    }

    [Fact]
    public async Task QueryAsync_RecordIds_FindExactlyThoseRecords()
    {
        await using var store = await OpenAsync();
        var records = Enumerable.Range(0, 5).Select(i => Make(i)).ToList();
        await store.WriteAsync(records, Ct);
        Assert.Equal([3], (await QueryAsync(store, new AuditQuery { RecordIds = [records[3].RecordId] })).Select(r => (int)r.DurationMs));
        Assert.Equal([4, 1], (await QueryAsync(store, new AuditQuery { RecordIds = [records[1].RecordId, records[4].RecordId] })).Select(r => (int)r.DurationMs));
        Assert.Empty(await QueryAsync(store, new AuditQuery { RecordIds = ["no-such-record"] }));
        Assert.Empty(await QueryAsync(store, new AuditQuery { RecordIds = [records[3].RecordId], OperationStatuses = ["error"] }));
    }

    [Fact]
    public async Task QueryAsync_LimitAndOffset_PageThroughNewestFirst()
    {
        await using var store = await OpenAsync();
        await store.WriteAsync(Enumerable.Range(0, 10).Select(i => Make(i)).ToList(), Ct);
        Assert.Equal([9, 8, 7], (await QueryAsync(store, new AuditQuery { Limit = 3 })).Select(r => (int)r.DurationMs));
        Assert.Equal([6, 5, 4], (await QueryAsync(store, new AuditQuery { Limit = 3, Offset = 3 })).Select(r => (int)r.DurationMs));
        Assert.Equal([1, 0], (await QueryAsync(store, new AuditQuery { Limit = 3, Offset = 8 })).Select(r => (int)r.DurationMs));
        Assert.Equal([5, 4], (await QueryAsync(store, new AuditQuery { Limit = 2, Offset = 1, EndTime = T0.AddMinutes(6) })).Select(r => (int)r.DurationMs));
    }

    [Fact]
    public async Task QueryAsync_Records_ReadBackExactlyAsWritten()
    {
        await using var store = await OpenAsync();
        var written = new[]
        {
            Make(1),
            Make(2, status: "error", decision: "deny", trace: "0af7651916cd43dd8448eb211c80319c", user: null, session: null),
            Make(3) with { InputData = JsonElement.Parse("{}"), OutputData = JsonElement.Parse("\"plain text\""), ExecutionEvents = JsonElement.Parse("[{\"kind\": \"external\", \"details\": {}}]") },
        };
        await store.WriteAsync(written, Ct);
        var read = await QueryAsync(store, new AuditQuery());
        Assert.Equal(written.Reverse().Select(Canonical), read.Select(Canonical));
    }

    [Fact]
    public async Task GetStatsAsync_CountsByTypeStatusAndPolicy()
    {
        await using var store = await OpenAsync();
        await store.WriteAsync(
        [
            Make(0), Make(1, status: "error"), Make(2, type: "resource"), Make(3, decision: "deny", status: "error"),
            Make(4, decision: "allow"), Make(5, type: "prompt"),
        ], Ct);

        var all = await store.GetStatsAsync(cancellationToken: Ct);
        Assert.Equal(6, all.TotalRecords);
        Assert.Equal(new Dictionary<string, long> { ["prompt"] = 1, ["resource"] = 1, ["tool"] = 4 }, all.ByType);
        Assert.Equal(new Dictionary<string, long> { ["error"] = 2, ["success"] = 4 }, all.ByStatus);
        Assert.Equal(new Dictionary<string, long> { ["allow"] = 1, ["deny"] = 1 }, all.ByPolicy);
        Assert.Equal(T0, all.EarliestTimestamp);
        Assert.Equal(T0.AddMinutes(5), all.LatestTimestamp);

        var range = await store.GetStatsAsync(T0.AddMinutes(1), T0.AddMinutes(3), Ct);
        Assert.Equal(3, range.TotalRecords);
        Assert.Equal(T0.AddMinutes(1), range.EarliestTimestamp);
        Assert.Equal(T0.AddMinutes(3), range.LatestTimestamp);

        var none = await store.GetStatsAsync(T0.AddDays(1), null, Ct);
        Assert.Equal(0, none.TotalRecords);
        Assert.Null(none.EarliestTimestamp);
    }

    [Fact]
    public async Task ApplyRetentionAsync_DryRunReportsExactlyWhatTheRealRunDeletes()
    {
        await using var store = await OpenAsync();
        await store.WriteAsync([Make(1), Make(2), Make(3)], Ct);
        await store.WriteAsync([Make(4), Make(6), Make(7, schema: "other.schema"), Make(8)], Ct);
        var cutoffs = new Dictionary<string, DateTimeOffset> { [AuditRecord.EndpointsSchema] = T0.AddMinutes(5) };

        var dry = await store.ApplyRetentionAsync(cutoffs, dryRun: true, Ct);
        Assert.Equal(new Dictionary<string, long> { ["mxcp.endpoints:v2"] = 4 }, dry);
        Assert.Equal(7, (await QueryAsync(store, new AuditQuery())).Count);

        var real = await store.ApplyRetentionAsync(cutoffs, dryRun: false, Ct);
        Assert.Equal(dry, real);
        Assert.Equal([8, 7, 6], (await QueryAsync(store, new AuditQuery())).Select(r => (int)r.DurationMs));
        Assert.Empty(await store.ApplyRetentionAsync(cutoffs, dryRun: true, Ct));
    }
}
