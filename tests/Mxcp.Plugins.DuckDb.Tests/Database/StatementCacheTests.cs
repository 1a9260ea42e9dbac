using Mxcp.Plugins.DuckDb.Database;
using Mxcp.Plugins.DuckDb.Execution;
using Mxcp.Plugins.DuckDb.Tests.TestSupport;

namespace Mxcp.Plugins.DuckDb.Tests.Database;

/// <summary>Each pooled connection keeps the statements it prepared and runs them again with new parameter values.</summary>
public sealed class StatementCacheTests : IDisposable
{
    private readonly TestProject _project = new();

    public void Dispose() => _project.Dispose();

    /// <summary>Every connection of the pool, rented at once and given back on dispose.</summary>
    internal static async Task<Leases> RentAllAsync(DuckDbExecutor executor)
    {
        var leases = new List<DuckDbConnectionLease>();
        for (var i = 0; i < executor.Pool.Size; i++)
        {
            leases.Add(await executor.Pool.RentAsync(null, TestContext.Current.CancellationToken));
        }

        return new Leases(leases);
    }

    internal static async Task<(long Hits, long Misses, int Count)> StatsAsync(DuckDbExecutor executor)
    {
        using var all = await RentAllAsync(executor);
        return (all.Connections.Sum(c => c.Statements.Hits), all.Connections.Sum(c => c.Statements.Misses), all.Connections.Sum(c => c.Statements.Count));
    }

    [Fact]
    public async Task QueryAsync_SameTextNewParameters_AnswersFromTheKeptStatementWithTheNewValues()
    {
        await using var executor = await _project.StartAsync();
        await executor.QueryAsync("CREATE TABLE t AS SELECT range AS id, 'v' || range AS v FROM range(10)", cancellationToken: TestContext.Current.CancellationToken);
        var before = await StatsAsync(executor);
        for (var id = 0; id < 10; id++)
        {
            var rows = await executor.QueryAsync("SELECT v FROM t WHERE id = $id", new Dictionary<string, object?> { ["id"] = (long)id },
                cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal($"[{{\"v\":\"v{id}\"}}]", rows.ToJsonString());
        }

        var after = await StatsAsync(executor);
        Assert.Equal(10, (after.Hits - before.Hits) + (after.Misses - before.Misses));
        Assert.True(after.Hits - before.Hits >= 10 - executor.Pool.Size, $"hits {after.Hits - before.Hits}");
        Assert.True(after.Misses - before.Misses <= executor.Pool.Size, $"misses {after.Misses - before.Misses}");
    }

    [Fact]
    public async Task QueryAsync_SeveralStatementsOrCatalogChanges_NotKept()
    {
        await using var executor = await _project.StartAsync();
        await executor.QueryAsync("CREATE TABLE a (x INTEGER)", cancellationToken: TestContext.Current.CancellationToken);
        await executor.QueryAsync("INSERT INTO a VALUES (1); SELECT * FROM a", cancellationToken: TestContext.Current.CancellationToken);
        await executor.QueryAsync("SET threads = 2", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, (await StatsAsync(executor)).Count);

        await executor.QueryAsync("SELECT * FROM a", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(1, (await StatsAsync(executor)).Count);
    }

    [Fact]
    public async Task QueryAsync_TableReplacedWithOtherColumns_KeptStatementAnswersTheNewShape()
    {
        await using var executor = await _project.StartAsync();
        await executor.QueryAsync("CREATE TABLE t AS SELECT 1 AS a", cancellationToken: TestContext.Current.CancellationToken);
        // Every connection keeps the statement, then every connection runs it after the table changed shape.
        for (var round = 0; round < 2; round++)
        {
            Assert.All(await EveryConnection.QueryAsync(executor, "SELECT * FROM t"), rows => Assert.Equal("[{\"a\":1}]", rows.ToJsonString()));
        }

        await executor.QueryAsync("CREATE OR REPLACE TABLE t AS SELECT 'x' AS b, 2.5::DOUBLE AS c", cancellationToken: TestContext.Current.CancellationToken);
        for (var round = 0; round < 2; round++)
        {
            Assert.All(await EveryConnection.QueryAsync(executor, "SELECT * FROM t"), rows => Assert.Equal("[{\"b\":\"x\",\"c\":2.5}]", rows.ToJsonString()));
        }

        Assert.Equal(executor.Pool.Size, (await StatsAsync(executor)).Count);

        await executor.QueryAsync("DROP TABLE t", cancellationToken: TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<DuckDbException>(async () => await executor.QueryAsync("SELECT * FROM t", cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("t", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryAsync_MoreTextsThanCapacity_OldestEvictedAndAnswersStayRight()
    {
        await using var executor = await _project.StartAsync();
        using (var all = await RentAllAsync(executor))
        {
            foreach (var connection in all.Connections)
            {
                connection.Statements.Capacity = 3;
            }
        }

        for (var round = 0; round < 3; round++)
        {
            for (var n = 0; n < 10; n++)
            {
                var rows = await executor.QueryAsync($"SELECT {n} AS n, $x AS x", new Dictionary<string, object?> { ["x"] = round },
                    cancellationToken: TestContext.Current.CancellationToken);
                Assert.Equal($"[{{\"n\":{n},\"x\":{round}}}]", rows.ToJsonString());
            }
        }

        using (var all = await RentAllAsync(executor))
        {
            Assert.All(all.Connections, c => Assert.InRange(c.Statements.Count, 0, 3));
        }
    }

    [Fact]
    public async Task QueryAsync_MissingParameterOnKeptStatement_ClearErrorAndNextCallWorks()
    {
        await using var executor = await _project.StartAsync();
        const string sql = "SELECT $v AS v";
        for (var i = 0; i < executor.Pool.Size; i++)
        {
            await executor.QueryAsync(sql, new Dictionary<string, object?> { ["v"] = "a" }, cancellationToken: TestContext.Current.CancellationToken);
        }

        var error = await Assert.ThrowsAsync<DuckDbException>(async () => await executor.QueryAsync(sql, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("The SQL uses the parameter $v, but no value was given for it", error.Message);
        var rows = await executor.QueryAsync(sql, new Dictionary<string, object?> { ["v"] = "b" }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("[{\"v\":\"b\"}]", rows.ToJsonString());
    }

    [Fact]
    public void Dispose_Connection_DisposesItsKeptStatements()
    {
        var database = DuckDbDatabase.Acquire(_project.DatabasePath, readOnly: false);
        try
        {
            var connection = database.Connect();
            connection.Execute("SELECT 1 AS one", null, TestContext.Current.CancellationToken);
            Assert.Equal(1, connection.Statements.Count);
            connection.Dispose();
            Assert.Equal(0, connection.Statements.Count);
        }
        finally
        {
            database.Release();
        }
    }

    internal sealed class Leases(List<DuckDbConnectionLease> leases) : IDisposable
    {
        public IEnumerable<DuckDbConnection> Connections => leases.Select(l => l.Connection);

        public void Dispose()
        {
            foreach (var lease in leases)
            {
                lease.Dispose();
            }
        }
    }
}
