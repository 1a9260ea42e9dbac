using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Database;
using Mxcp.Plugins.DuckDb.Tests.TestSupport;

namespace Mxcp.Plugins.DuckDb.Tests.Database;

/// <summary>
/// Which thread a pooled connection runs a call on: its own, or the caller's for a kept statement whose last run was
/// quick and called no plugin SQL function.
/// </summary>
public sealed class InlineRunTests : IDisposable
{
    private const int Attempts = 50;

    private readonly TestProject _project = new();

    public void Dispose() => _project.Dispose();

    [Fact]
    public async Task RunAsync_KeptStatementRanQuickly_RunsOnTheCallersThread()
    {
        const string sql = "SELECT 42 AS answer";
        await using var executor = await _project.StartAsync();
        using var lease = await executor.Pool.RentAsync(null, TestContext.Current.CancellationToken);

        // The first run prepares and keeps the statement on the connection's own thread.
        var first = await RunAsync(lease.Connection, sql);
        Assert.False(first.Inline);
        Assert.Equal("[{\"answer\":42}]", first.Rows);

        // A later run of it, once one was quick (a loaded machine may slow a single run), stays on the caller's thread.
        var inline = false;
        for (var i = 0; i < Attempts && !inline; i++)
        {
            var run = await RunAsync(lease.Connection, sql);
            Assert.Equal("[{\"answer\":42}]", run.Rows);
            inline = run.Inline;
        }

        Assert.True(inline, $"none of {Attempts} runs of a kept SELECT 42 ran on the caller's thread");
    }

    [Fact]
    public async Task RunAsync_TextNotNamed_RunsOnTheConnectionsThread()
    {
        const string sql = "SELECT 42 AS answer";
        await using var executor = await _project.StartAsync();
        using var lease = await executor.Pool.RentAsync(null, TestContext.Current.CancellationToken);
        for (var i = 0; i < 5; i++)
        {
            Assert.False((await RunAsync(lease.Connection, sql, nameSql: false)).Inline);
        }
    }

    [Fact]
    public async Task RunAsync_KeptStatementRanLong_RunsOnTheConnectionsThread()
    {
        // Tens of milliseconds of work on every run: far above the quick limit.
        const string sql = "SELECT sum(hash(range)) AS h FROM range(20000000)";
        await using var executor = await _project.StartAsync();
        using var lease = await executor.Pool.RentAsync(null, TestContext.Current.CancellationToken);
        for (var i = 0; i < 3; i++)
        {
            Assert.False((await RunAsync(lease.Connection, sql)).Inline);
        }

        Assert.NotNull(lease.Connection.Statements.Peek(sql));
    }

    [Fact]
    public async Task RunAsync_KeptStatementCallsAPluginFunction_RunsOnTheConnectionsThread()
    {
        const string sql = "SELECT twice(21) AS answer";
        await using var executor = await _project.StartAsync();
        await executor.AddAsync(new TwiceFunction(), TestContext.Current.CancellationToken);
        using var lease = await executor.Pool.RentAsync(null, TestContext.Current.CancellationToken);
        for (var i = 0; i < 10; i++)
        {
            var run = await RunAsync(lease.Connection, sql);
            Assert.Equal("[{\"answer\":42}]", run.Rows);
            Assert.False(run.Inline, $"run {i} of a statement calling a plugin function ran on the caller's thread");
        }

        Assert.NotNull(lease.Connection.Statements.Peek(sql));
    }

    [Fact]
    public async Task RunAsync_QuickStatementFails_ErrorComesThroughTheTaskAndTheNextRunIsHandedOver()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var executor = await _project.StartAsync();
        await executor.QueryAsync("CREATE TABLE n AS SELECT '7' AS v", cancellationToken: ct);
        const string sql = "SELECT CAST(v AS INTEGER) AS q FROM n";
        using var lease = await executor.Pool.RentAsync(null, ct);
        var inline = false;
        for (var i = 0; i < Attempts && !inline; i++)
        {
            inline = (await RunAsync(lease.Connection, sql)).Inline;
        }

        Assert.True(inline);
        await lease.Connection.RunAsync(c => c.Execute("UPDATE n SET v = 'x'", null, ct), ct);

        // The same statement now fails on the caller's thread: RunAsync returns a failed task instead of throwing.
        // (Marked quick again: on a loaded machine the inline run above may itself have taken longer than the limit.)
        lease.Connection.Statements.Peek(sql)!.Quick = true;
        var caller = Environment.CurrentManagedThreadId;
        var ranOn = 0;
        var failing = lease.Connection.RunAsync(c => { ranOn = Environment.CurrentManagedThreadId; return c.Execute(sql, null, ct); }, ct, sql);
        Assert.Equal(caller, ranOn);
        var error = await Assert.ThrowsAsync<DuckDbException>(() => failing);
        Assert.Contains("'x'", error.Message, StringComparison.Ordinal);

        // A failed run is not quick: the next one goes to the connection's thread.
        await lease.Connection.RunAsync(c => c.Execute("UPDATE n SET v = '8'", null, ct), ct);
        var next = await RunAsync(lease.Connection, sql);
        Assert.False(next.Inline);
        Assert.Equal("[{\"q\":8}]", next.Rows);
    }

    private static async Task<(bool Inline, string Rows)> RunAsync(DuckDbConnection connection, string sql, bool nameSql = true)
    {
        var caller = Environment.CurrentManagedThreadId;
        var ct = TestContext.Current.CancellationToken;
        return await connection.RunAsync(
            c => (Environment.CurrentManagedThreadId == caller, c.Execute(sql, null, ct).ToJsonString()), ct, nameSql ? sql : null);
    }

    /// <summary>The SQL function <c>twice(BIGINT) -> BIGINT</c>, answered at once.</summary>
    private sealed class TwiceFunction : ISqlFunctionProvider
    {
        public IReadOnlyList<SqlFunction> SqlFunctions { get; } =
            [new SqlFunction { Name = "twice", ParameterTypes = ["BIGINT"], ReturnType = "BIGINT" }];

        public ValueTask<IReadOnlyList<object?>> InvokeAsync(SqlFunctionCall call, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<object?>>(call.Rows.Select(row => (object?)((long)row[0]! * 2)).ToList());
    }
}
