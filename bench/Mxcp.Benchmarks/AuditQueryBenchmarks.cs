using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Mxcp.Abstractions;
using Mxcp.Runtime.Audit.Jsonl;

namespace Mxcp.Benchmarks;

/// <summary>
/// Querying a JSONL audit log of 1,000,000 records (ten segments, ~0.6 GB, as ten server restarts leave them) with
/// selective filters, as <c>mxcp log --tool ...</c> and the admin API do; the records are streamed, never loaded.
/// The first run generates the log (about half a minute); the files stay in the temp folder for later runs.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class AuditQueryBenchmarks
{
    public const int Records = 1_000_000;
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private JsonlAuditBackend _store = null!;

    public static string Directory => Path.Combine(Path.GetTempPath(), "mxcp-bench-audit-1m");

    [GlobalSetup]
    public void Setup()
    {
        Generate();
        _store = new JsonlAuditBackend(Path.Combine(Directory, "logs-bench.jsonl"), long.MaxValue, false, null, NullLogger.Instance);
    }

    [GlobalCleanup]
    public void Cleanup() => _store.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>One tool in a thousand: the 100 newest calls of it.</summary>
    [Benchmark(Baseline = true)]
    public Task<int> RareToolNewest100() => CountAsync(new AuditQuery { OperationNames = ["rare_tool"], Limit = 100 });

    /// <summary>Every call of one user (1,000 records) across the whole log.</summary>
    [Benchmark]
    public Task<int> OneUserAll() => CountAsync(new AuditQuery { UserIds = ["user-42"] });

    /// <summary>The errors of the last hour (the time range stops the scan early).</summary>
    [Benchmark]
    public Task<int> ErrorsOfTheLastHour() => CountAsync(new AuditQuery { OperationStatuses = ["error"], StartTime = Start.AddSeconds(Records - 3600) });

    /// <summary>One trace id.</summary>
    [Benchmark]
    public Task<int> OneTrace() => CountAsync(new AuditQuery { TraceIds = ["trace-777777"] });

    /// <summary>The newest 100 records without a filter (<c>mxcp log</c>).</summary>
    [Benchmark]
    public Task<int> Newest100() => CountAsync(new AuditQuery { Limit = 100 });

    private async Task<int> CountAsync(AuditQuery query)
    {
        var n = 0;
        await foreach (var _ in _store.QueryAsync(query))
        {
            n++;
        }

        return n;
    }

    /// <summary>Writes the log once: a record per second, ten segments of 100,000.</summary>
    public static void Generate()
    {
        var marker = Path.Combine(Directory, "complete");
        if (File.Exists(marker))
        {
            return;
        }

        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }

        System.IO.Directory.CreateDirectory(Directory);
        var input = JsonElement.Parse("""{"country": "DE", "limit": 10, "since": "2024-01-01"}""");
        var context = JsonElement.Parse("""{"operation_type": "tool", "operation_name": "search_customers", "operation_status": "success"}""");
        var output = JsonElement.Parse("""[{"customer_id": 1, "name": "Customer 1", "tier": "gold", "revenue": 1234.5}, {"customer_id": 2, "name": "Customer 2", "tier": "silver", "revenue": 99.0}]""");
        for (var segment = 0; segment < 10; segment++)
        {
            var clock = new FixedClock(Start.AddSeconds(segment * (Records / 10)));
            var writer = new JsonlAuditBackend(Path.Combine(Directory, "logs-bench.jsonl"), long.MaxValue, false, null, NullLogger.Instance, clock);
            for (var batch = 0; batch < Records / 10 / 1000; batch++)
            {
                var records = new AuditRecord[1000];
                for (var i = 0; i < records.Length; i++)
                {
                    var n = (segment * (Records / 10)) + (batch * 1000) + i;
                    records[i] = new AuditRecord
                    {
                        RecordId = Guid.NewGuid().ToString(),
                        Timestamp = Start.AddSeconds(n),
                        OperationType = n % 10 == 0 ? "resource" : "tool",
                        OperationName = n % 1000 == 0 ? "rare_tool" : "search_customers",
                        OperationStatus = n % 50 == 0 ? "error" : "success",
                        DurationMs = n % 100,
                        CallerType = "http",
                        UserId = "user-" + (n % 1000),
                        SessionId = "session-" + (n % 5000),
                        TraceId = "trace-" + n,
                        InputData = input,
                        OutputData = output,
                        Error = n % 50 == 0 ? "Error validating parameter 'limit'" : null,
                        BusinessContext = context,
                    };
                }

                writer.WriteAsync(records, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            }

            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        File.WriteAllText(marker, "");
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
