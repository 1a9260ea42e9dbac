using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Runtime.Audit.Jsonl;
using Mxcp.Runtime.Tests.TestSupport;
using static Mxcp.Runtime.Tests.Audit.AuditRecords;

namespace Mxcp.Runtime.Tests.Audit;

/// <summary>The JSONL backend on disk: segments, rotation, the schema file, torn lines, legacy files, queries, stats, retention.</summary>
public sealed class JsonlAuditBackendTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mxcp-audit-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string[] SegmentNames() => Directory.GetFiles(_dir, "logs-dev-*.jsonl").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public async Task WriteAsync_FirstBatch_CreatesASegmentNamedAfterTheUtcTimeAndRegistersTheSchema()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2025, 3, 1, 14, 5, 9, TimeSpan.FromHours(2)));
        await using var backend = Backend(_dir, time: clock);
        Assert.Empty(Directory.GetFiles(_dir));

        await backend.WriteAsync([Make(1), Make(2)], Ct);

        Assert.Equal(["logs-dev-20250301T120509.jsonl"], SegmentNames());
        var lines = File.ReadAllLines(Path.Combine(_dir, "logs-dev-20250301T120509.jsonl"));
        Assert.Equal(2, lines.Length);
        Assert.Equal(1, (int)JsonNode.Parse(lines[0])!["input_data"]!["minute"]!);
        var schema = JsonNode.Parse(File.ReadAllLines(Path.Combine(_dir, "logs-dev_schemas.jsonl")).Single())!;
        Assert.Equal("mxcp.endpoints", (string?)schema["schema_name"]);
        Assert.Equal(2, (int?)schema["version"]);
        Assert.Equal(90, (int?)schema["retention_days"]);
        Assert.Equal("2025-03-01T12:05:09.000000+00:00", (string?)schema["created_at"]);
    }

    [Fact]
    public async Task WriteAsync_SameSchemaAgain_SideFileNotAppended_ChangedSchema_Appended()
    {
        await using (var first = Backend(_dir))
        {
            await first.WriteAsync([Make(1)], Ct);
        }

        await using (var second = Backend(_dir))
        {
            await second.WriteAsync([Make(2)], Ct);
        }

        Assert.Single(File.ReadAllLines(Path.Combine(_dir, "logs-dev_schemas.jsonl")));
        await using (var changed = new JsonlAuditBackend(Path.Combine(_dir, "logs-dev.jsonl"), 50_000_000, true, Runtime.Audit.AuditSchemas.Endpoints(30, []), new RecordingLoggerFactory().CreateLogger("a"), new ManualTimeProvider(T0)))
        {
            await changed.WriteAsync([Make(3)], Ct);
        }

        var lines = File.ReadAllLines(Path.Combine(_dir, "logs-dev_schemas.jsonl"));
        Assert.Equal(2, lines.Length);
        Assert.Equal(30, (int?)JsonNode.Parse(lines[1])!["retention_days"]);
    }

    [Fact]
    public async Task WriteAsync_TwoWritersInTheSameSecond_EachGetsItsOwnSegment()
    {
        await using var a = Backend(_dir);
        await using var b = Backend(_dir);
        await a.WriteAsync([Make(1)], Ct);
        await b.WriteAsync([Make(2)], Ct);
        Assert.Equal(["logs-dev-20250301T130000-1.jsonl", "logs-dev-20250301T130000.jsonl"], SegmentNames());
    }

    [Fact]
    public async Task WriteAsync_SegmentReachesMaxFileSize_NextBatchStartsANewSegment()
    {
        var clock = new ManualTimeProvider(T0);
        await using var backend = Backend(_dir, maxFileSize: 500, time: clock);
        await backend.WriteAsync([Make(1), Make(2)], Ct);
        clock.Now = T0.AddSeconds(1);
        await backend.WriteAsync([Make(3)], Ct);
        clock.Now = T0.AddSeconds(2);
        await backend.WriteAsync([Make(4)], Ct);

        Assert.Equal(["logs-dev-20250301T120000.jsonl", "logs-dev-20250301T120001.jsonl", "logs-dev-20250301T120002.jsonl"], SegmentNames());
        Assert.Equal(2, File.ReadAllLines(Path.Combine(_dir, SegmentNames()[0])).Length);
        Assert.Equal(4, (await QueryAsync(backend, new AuditQuery())).Count);
    }

    [Fact]
    public async Task WriteAsync_UtcDayChanges_StartsANewSegment()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2025, 3, 1, 23, 59, 59, TimeSpan.Zero));
        await using var backend = Backend(_dir, time: clock);
        await backend.WriteAsync([Make(1)], Ct);
        clock.Now = clock.Now.AddSeconds(2);
        await backend.WriteAsync([Make(2)], Ct);
        Assert.Equal(["logs-dev-20250301T235959.jsonl", "logs-dev-20250302T000001.jsonl"], SegmentNames());
    }

    [Fact]
    public async Task QueryAsync_TornLastLine_SkippedWithAWarning()
    {
        var logs = new RecordingLoggerFactory();
        await using (var backend = Backend(_dir, logs: logs))
        {
            await backend.WriteAsync([Make(1), Make(2)], Ct);
        }

        var segment = Directory.GetFiles(_dir, "logs-dev-*.jsonl").Single();
        File.AppendAllText(segment, Line(Make(3))[..40]);

        await using var reader = Backend(_dir, logs: logs);
        var records = await QueryAsync(reader, new AuditQuery());
        Assert.Equal([2, 1], records.Select(r => (int)r.DurationMs));
        Assert.Contains(logs.Messages, m => m.Level == LogLevel.Warning && m.Message.Contains("torn last line", StringComparison.Ordinal) && m.Message.Contains(segment, StringComparison.Ordinal));
    }

    [Fact]
    public async Task QueryAsync_CorruptLineInTheMiddle_SkippedWithAWarning()
    {
        var logs = new RecordingLoggerFactory();
        var segment = Path.Combine(_dir, "logs-dev-20250101T000000.jsonl");
        File.WriteAllText(segment, Line(Make(1)) + "\n{not json\n" + Line(Make(2)) + "\n");

        await using var backend = Backend(_dir, logs: logs);
        Assert.Equal(2, (await QueryAsync(backend, new AuditQuery())).Count);
        Assert.Contains(logs.Messages, m => m.Level == LogLevel.Warning && m.Message.Contains("not a valid record", StringComparison.Ordinal));
    }

    [Fact]
    public async Task QueryAsync_LegacyBaseFileAndSegments_MergedNewestFirst()
    {
        // A line as the Python MXCP writes it: ASCII-escaped, no microseconds, no execution_events.
        File.WriteAllText(Path.Combine(_dir, "logs-dev.jsonl"),
            """{"schema_name": "mxcp.endpoints", "schema_version": 1, "record_id": "legacy-1", "timestamp": "2025-03-01T12:05:30+00:00", "operation_type": "tool", "operation_name": "caf\u00e9", "operation_status": "success", "duration_ms": 7, "caller_type": "http", "user_id": null, "session_id": null, "trace_id": null, "input_data": {"q": "\u00fc"}, "output_data": null, "error": null, "policies_evaluated": [], "policy_decision": null, "policy_reason": null, "business_context": {}}""" + "\n");
        await using var a = Backend(_dir);
        await using var b = Backend(_dir);
        await a.WriteAsync([Make(1), Make(4), Make(9)], Ct);
        await b.WriteAsync([Make(2), Make(3), Make(8)], Ct);

        var records = await QueryAsync(a, new AuditQuery());
        Assert.Equal(["9", "8", "legacy", "4", "3", "2", "1"], records.Select(r => r.RecordId == "legacy-1" ? "legacy" : r.DurationMs.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var legacy = records.Single(r => r.RecordId == "legacy-1");
        Assert.Equal(("café", 1, "http", "{\"q\": \"\\u00fc\"}"), (legacy.OperationName, legacy.SchemaVersion, legacy.CallerType, legacy.InputData!.Value.GetRawText()));
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 12, 5, 30, TimeSpan.Zero), legacy.Timestamp);
    }

    [Fact]
    public async Task QueryAsync_LongLinesAcrossReadChunks_ReadWhole()
    {
        await using var backend = Backend(_dir);
        var big = Make(1) with { OutputData = System.Text.Json.JsonElement.Parse("\"" + new string('x', 300_000) + "\"") };
        await backend.WriteAsync([Make(0), big, Make(2)], Ct);
        var records = await QueryAsync(backend, new AuditQuery());
        Assert.Equal([2, 1, 0], records.Select(r => (int)r.DurationMs));
        Assert.Equal(300_000, records[1].OutputData!.Value.GetString()!.Length);
    }

    [Fact]
    public async Task ApplyRetentionAsync_AcrossSegments_ExpiredFilesDeletedMixedOnesRewrittenTornTailKept()
    {
        var cutoffs = new Dictionary<string, DateTimeOffset> { ["mxcp.endpoints"] = T0.AddMinutes(5) };
        await using (var a = Backend(_dir))
        await using (var b = Backend(_dir))
        {
            await a.WriteAsync([Make(1), Make(2), Make(3)], Ct);                       // all expired: the file goes
            await b.WriteAsync([Make(4), Make(6), Make(7, schema: "other.schema")], Ct); // mixed: rewritten
        }

        File.WriteAllText(Path.Combine(_dir, "logs-dev-20250101T000000.jsonl"), Line(Make(0)) + "\n" + Line(Make(8)) + "\n" + Line(Make(9))[..30]);

        await using var store = Backend(_dir);
        var before = (await QueryAsync(store, new AuditQuery())).Select(r => r.RecordId).ToHashSet();
        var dry = await store.ApplyRetentionAsync(cutoffs, dryRun: true, Ct);
        Assert.Equal(new Dictionary<string, long> { ["mxcp.endpoints:v2"] = 5 }, dry);
        Assert.Equal(before, (await QueryAsync(store, new AuditQuery())).Select(r => r.RecordId).ToHashSet());

        var real = await store.ApplyRetentionAsync(cutoffs, dryRun: false, Ct);
        Assert.Equal(dry, real);
        var after = await QueryAsync(store, new AuditQuery());
        Assert.Equal([8, 7, 6], after.Select(r => (int)r.DurationMs));
        Assert.Equal(2, SegmentNames().Length);
        Assert.EndsWith(Line(Make(9))[..30], File.ReadAllText(Path.Combine(_dir, "logs-dev-20250101T000000.jsonl")), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
        Assert.Equal(new Dictionary<string, long>(), await store.ApplyRetentionAsync(cutoffs, dryRun: true, Ct));
    }

    [Fact]
    public async Task ApplyRetentionAsync_SegmentOfARunningWriter_LeftAlone()
    {
        await using var writer = Backend(_dir);
        await writer.WriteAsync([Make(1)], Ct);
        var cutoffs = new Dictionary<string, DateTimeOffset> { ["mxcp.endpoints"] = T0.AddDays(1) };

        await using var cleanup = Backend(_dir);
        Assert.Empty(await cleanup.ApplyRetentionAsync(cutoffs, dryRun: true, Ct));
        Assert.Empty(await cleanup.ApplyRetentionAsync(cutoffs, dryRun: false, Ct));
        Assert.Single(await QueryAsync(cleanup, new AuditQuery()));

        await writer.DisposeAsync();
        Assert.Equal(new Dictionary<string, long> { ["mxcp.endpoints:v2"] = 1 }, await cleanup.ApplyRetentionAsync(cutoffs, dryRun: false, Ct));
        Assert.Empty(SegmentNames());
    }

    [Fact]
    public async Task WriteAsync_FailedBatch_SegmentUnchangedAndTheRetryWrittenOnce()
    {
        await using var backend = Backend(_dir);
        await backend.WriteAsync([Make(1)], Ct);
        var segment = backend.CurrentSegment!;
        var length = new FileInfo(segment).Length;

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await backend.WriteAsync([Make(2)], cancelled.Token));
        Assert.Equal(length, new FileInfo(segment).Length);

        await backend.WriteAsync([Make(2)], Ct);
        Assert.Equal([2, 1], (await QueryAsync(backend, new AuditQuery())).Select(r => (int)r.DurationMs));
    }
}
