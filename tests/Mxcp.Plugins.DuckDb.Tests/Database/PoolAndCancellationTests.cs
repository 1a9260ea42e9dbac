using System.Diagnostics;
using Mxcp.Plugins.DuckDb.Tests.TestSupport;

namespace Mxcp.Plugins.DuckDb.Tests.Database;

/// <summary>Cancellation interrupts DuckDB; the pool makes calls wait when every connection is busy.</summary>
public sealed class PoolAndCancellationTests : IDisposable
{
    private const string LongQuery = "SELECT count(*) AS n FROM range(1000000000) a, range(1000) b WHERE a.range + b.range = -1";

    private readonly TestProject _project = new();

    public void Dispose() => _project.Dispose();

    [Fact]
    public async Task QueryAsync_CancelledWhileRunning_InterruptsAndThrowsOperationCanceled()
    {
        await using var executor = await _project.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await executor.QueryAsync(LongQuery, cancellationToken: cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"cancellation took {watch.Elapsed}");

        // The connection is usable again, and no stray interrupt hits the next call.
        for (var i = 0; i < executor.Pool.Size; i++)
        {
            var rows = await executor.QueryAsync("SELECT count(*) AS n FROM range(100000)", cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal("[{\"n\":100000}]", rows.ToJsonString());
        }
    }

    [Fact]
    public async Task QueryAsync_AlreadyCancelled_ThrowsWithoutRunning()
    {
        await using var executor = await _project.StartAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await executor.QueryAsync("CREATE TABLE never (x INTEGER)", cancellationToken: new CancellationToken(canceled: true)));
        var rows = await executor.QueryAsync("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'never'",
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("[{\"n\":0}]", rows.ToJsonString());
    }

    [Fact]
    public async Task RentAsync_OneCallAtATime_UsesTheConnectionUsedLast()
    {
        // Sequential calls stay on one warm connection (its prepared statements, its thread) instead of rotating.
        await using var executor = await _project.StartAsync();
        var pool = executor.Pool;
        var ct = TestContext.Current.CancellationToken;
        ulong first;
        using (var lease = await pool.RentAsync(null, ct))
        {
            first = lease.Connection.Id;
        }

        for (var i = 0; i < pool.Size + 2; i++)
        {
            using var lease = await pool.RentAsync(null, ct);
            Assert.Equal(first, lease.Connection.Id);
        }

        // Two at once: the second is another connection; once both are back, the one returned last comes first.
        using (var a = await pool.RentAsync(null, ct))
        {
            using var b = await pool.RentAsync(null, ct);
            Assert.Equal(first, a.Connection.Id);
            Assert.NotEqual(first, b.Connection.Id);
            var second = b.Connection.Id;
            a.Dispose();
            b.Dispose();
            using var next = await pool.RentAsync(null, ct);
            Assert.Equal(second, next.Connection.Id);
        }
    }

    [Fact]
    public async Task RentAsync_AllConnectionsBusy_WaitsUntilOneReturns()
    {
        await using var executor = await _project.StartAsync();
        var pool = executor.Pool;
        var leases = new List<Mxcp.Plugins.DuckDb.Database.DuckDbConnectionLease>();
        for (var i = 0; i < pool.Size; i++)
        {
            leases.Add(await pool.RentAsync(null, TestContext.Current.CancellationToken));
        }

        var waiting = executor.QueryAsync("SELECT 1 AS one", cancellationToken: TestContext.Current.CancellationToken).AsTask();
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);

        leases[0].Dispose();
        Assert.Equal("[{\"one\":1}]", (await waiting.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken)).ToJsonString());
        foreach (var lease in leases.Skip(1))
        {
            lease.Dispose();
        }
    }

    [Fact]
    public async Task RentAsync_WaitingAndCancelled_ThrowsOperationCanceled()
    {
        await using var executor = await _project.StartAsync();
        var leases = new List<Mxcp.Plugins.DuckDb.Database.DuckDbConnectionLease>();
        for (var i = 0; i < executor.Pool.Size; i++)
        {
            leases.Add(await executor.Pool.RentAsync(null, TestContext.Current.CancellationToken));
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await executor.QueryAsync("SELECT 1", cancellationToken: cts.Token));
        leases.ForEach(l => l.Dispose());
        Assert.Equal(0, executor.Pool.Busy);
    }

    [Fact]
    public async Task QueryAsync_MoreParallelCallsThanConnections_AllComplete()
    {
        await using var executor = await _project.StartAsync();
        var results = await Task.WhenAll(Enumerable.Range(0, executor.Pool.Size * 4).Select(i =>
            executor.QueryAsync("SELECT $i * 2 AS v", new Dictionary<string, object?> { ["i"] = (long)i },
                cancellationToken: TestContext.Current.CancellationToken).AsTask()));
        Assert.Equal(Enumerable.Range(0, executor.Pool.Size * 4).Select(i => (long)i * 2), results.Select(r => r[0]!["v"]!.GetValue<long>()));
    }

    [Fact]
    public async Task DisposeAsync_CallInFlight_WaitsForItThenRefusesNewCalls()
    {
        var executor = await _project.StartAsync();
        var running = executor.QueryAsync("SELECT count(*) AS n FROM range(20000000) WHERE range % 7 = 0",
            cancellationToken: TestContext.Current.CancellationToken).AsTask();
        await Task.Delay(20, TestContext.Current.CancellationToken);
        await executor.DisposeAsync();
        Assert.Equal("[{\"n\":2857143}]", (await running).ToJsonString());
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await executor.QueryAsync("SELECT 1", cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("DuckDB runtime is shutting down", error.Message);
    }
}
