using System.Diagnostics;
using Mxcp.Abstractions;
using Mxcp.Benchmarks.Harness.LoadGeneration;
using Mxcp.Benchmarks.Shared;

namespace Mxcp.Benchmarks.Harness.DuckDbAlone;

/// <summary>
/// The <c>duckdb-alone</c> command: the database's limit. The workload's SQL runs in-process through Mxcp's DuckDB
/// binding (<see cref="DuckDbBinding"/>: pool rental, the connection's own thread, rows read into JSON nodes) by N
/// concurrent callers in a closed loop: no HTTP, no MCP, no validation, no result serialisation. It is pinned to the
/// server CPUs like the servers are, and takes its windows from <see cref="GeneratorCommandLoop"/>.
/// </summary>
internal static class DuckDbAloneCommand
{
    public static async Task<int> RunAsync(CommandArguments arguments, CancellationToken cancellationToken)
    {
        var sql = arguments.Required("sql");
        var parameters = DuckDbBinding.Parameters(arguments.Optional("arguments") ?? "{}");
        var (database, owner) = await DuckDbBinding.OpenReadOnlyAsync(arguments.Required("database"), cancellationToken);
        await using (owner)
        {
            var rows = await database.QueryAsync(sql, parameters, cancellationToken: cancellationToken);
            if (rows.Count == 0)
            {
                throw new InvalidOperationException($"The query returned no rows: {sql}");
            }

            await GeneratorCommandLoop.RunAsync(
                async (concurrency, length, ct) => await LoopAsync(database, sql, parameters, concurrency, length, null, ct),
                async (concurrency, length, ct) =>
                {
                    var latencies = new List<double>[concurrency];
                    await LoopAsync(database, sql, parameters, concurrency, length, latencies, ct);
                    var all = latencies.SelectMany(l => l).ToArray();
                    return new LoadResult
                    {
                        Generator = "in-process",
                        Concurrency = concurrency,
                        Requests = all.Length,
                        DurationSeconds = length.TotalSeconds,
                        LatencyMs = LatencyPercentiles.From(all),
                        Errors = ErrorCounts.None,
                    };
                },
                cancellationToken);
        }

        return 0;
    }

    private static async Task LoopAsync(
        ISqlDatabase database, string sql, IReadOnlyDictionary<string, object?> parameters, int concurrency, TimeSpan length, List<double>[]? record, CancellationToken cancellationToken)
    {
        var end = Stopwatch.GetTimestamp() + (long)(length.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(index => Task.Run(async () =>
        {
            var mine = new List<double>();
            while (Stopwatch.GetTimestamp() < end)
            {
                var start = Stopwatch.GetTimestamp();
                await database.QueryAsync(sql, parameters, cancellationToken: cancellationToken);
                var stop = Stopwatch.GetTimestamp();
                if (stop <= end)
                {
                    mine.Add((stop - start) * 1000.0 / Stopwatch.Frequency);
                }
            }

            if (record is not null)
            {
                record[index] = mine;
            }
        }, cancellationToken)));
    }
}
