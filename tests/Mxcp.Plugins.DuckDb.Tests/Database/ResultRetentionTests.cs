using System.Runtime.CompilerServices;
using Mxcp.Plugins.DuckDb.Execution;
using Mxcp.Plugins.DuckDb.Tests.TestSupport;

namespace Mxcp.Plugins.DuckDb.Tests.Database;

/// <summary>A pooled connection keeps nothing of a call once it returned: a large result is garbage after its answer.</summary>
public sealed class ResultRetentionTests(DuckDbFixture db) : IClassFixture<DuckDbFixture>
{
    [Fact]
    public async Task QueryAsync_AfterTheCall_NoConnectionKeepsTheResult()
    {
        var executor = db.Executor;
        var results = new List<WeakReference>();
        results.AddRange(await QueryAndForgetAsync(executor, 10));
        results.AddRange(await QueryAndForgetAsync(executor, 5_000));
        for (var i = 0; i < 3; i++)
        {
            results.Add(await QueryOneAndForgetAsync(executor, 5_000));
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        // Every connection ran calls: had the connections kept their last results, one per connection would be alive.
        // The very last one may still be referenced from a thread-pool thread that ran the test's continuation.
        Assert.True(results.Count(r => r.IsAlive) <= 1, $"{results.Count(r => r.IsAlive)} of {results.Count} results stayed reachable after their calls");
    }

    /// <summary>A result on every connection (their last but one call before the last round).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference[]> QueryAndForgetAsync(DuckDbExecutor executor, int rows)
    {
        var results = await EveryConnection.QueryAsync(executor, $"SELECT i, 'row ' || i AS s FROM range({rows}) t(i)");
        Assert.All(results, r => Assert.Equal(rows, r.Count));
        return [.. results.Select(r => new WeakReference(r))];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> QueryOneAndForgetAsync(DuckDbExecutor executor, int rows)
    {
        var result = await executor.QueryAsync($"SELECT i, 'row ' || i AS s FROM range({rows}) t(i)", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(rows, result.Count);
        return new WeakReference(result);
    }
}
