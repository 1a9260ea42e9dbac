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
        for (var i = 0; i < executor.Pool.Size * 2; i++)
        {
            results.Add(await QueryAndForgetAsync(executor, i < executor.Pool.Size ? 10 : 5_000));
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        // Every connection ran several calls: had the connections kept their last results, one per connection would be
        // alive. The very last one may still be referenced from a thread-pool thread that ran the test's continuation.
        Assert.True(results.Count(r => r.IsAlive) <= 1, $"{results.Count(r => r.IsAlive)} of {results.Count} results stayed reachable after their calls");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> QueryAndForgetAsync(DuckDbExecutor executor, int rows)
    {
        var result = await executor.QueryAsync($"SELECT i, 'row ' || i AS s FROM range({rows}) t(i)", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(rows, result.Count);
        return new WeakReference(result);
    }
}
