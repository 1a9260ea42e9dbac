using System.Text.Json;
using System.Text.Json.Nodes;
using DuckDB.NET.Data;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Tests.TestSupport;

namespace Mxcp.Plugins.DuckDb.Tests.Database;

/// <summary><see cref="DuckDbDataSource"/>: ADO.NET connections on the database instance of the plugin's pool.</summary>
public sealed class DataSourceTests : IDisposable
{
    private readonly TestProject _project = new();

    public void Dispose() => _project.Dispose();

    [Fact]
    public async Task OpenConnection_ProjectLoaded_ReadsAndWritesWhatTheEndpointsSee()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var executor = await _project.StartAsync();
        await executor.QueryAsync("CREATE TABLE notes (id INTEGER, text VARCHAR); INSERT INTO notes VALUES (1, 'from sql')", cancellationToken: ct);

        await using (var connection = _project.DataSource.OpenConnection())
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT text FROM notes WHERE id = $id";
            command.Parameters.Add(new DuckDBParameter("id", 1));
            Assert.Equal("from sql", await command.ExecuteScalarAsync(ct));

            // The appender writes a value at the width of its CLR type: an int for the INTEGER column (a literal 2
            // would bind to AppendValue(sbyte?) and set one byte of the four; see the next test).
            var id = 2;
            using var appender = connection.CreateAppender("notes");
            appender.CreateRow().AppendValue(id).AppendValue("from ado.net").EndRow();
        }

        var rows = await executor.QueryAsync("SELECT id, text FROM notes ORDER BY id", cancellationToken: ct);
        Assert.Equal("[{\"id\":1,\"text\":\"from sql\"},{\"id\":2,\"text\":\"from ado.net\"}]", rows.ToJsonString());
    }

    [Fact]
    public async Task OpenConnection_AppenderValuesOfTheColumnTypesOverSeveralChunks_EndpointsReadThemExactly()
    {
        // DuckDB.NET's appender reuses one data chunk and writes each value at the width of its CLR type without
        // checking the column's type. Filling a whole chunk with -1 first leaves every byte of the reused vectors set,
        // so a value written narrower than its column (AppendValue(2) binds to sbyte?) reads back as -254 every time,
        // not only when the allocator happens to hand out dirty memory.
        var ct = TestContext.Current.CancellationToken;
        await using var executor = await _project.StartAsync();
        await executor.QueryAsync("CREATE TABLE wide (i INTEGER, b BIGINT, s SMALLINT, u UTINYINT, d DOUBLE, t VARCHAR)", cancellationToken: ct);

        const int ChunkRows = 2048;
        await using (var connection = _project.DataSource.OpenConnection())
        {
            using var appender = connection.CreateAppender("wide");
            int allBits = -1;
            for (var row = 0; row < ChunkRows; row++)
            {
                appender.CreateRow().AppendValue(allBits).AppendValue((long)allBits).AppendValue((short)allBits).AppendValue(byte.MaxValue).AppendValue(-1.0).AppendValue("filler").EndRow();
            }

            int i = 2;
            long b = 3_000_000_000L;
            short s = 4;
            byte u = 5;
            appender.CreateRow().AppendValue(i).AppendValue(b).AppendValue(s).AppendValue(u).AppendValue(6.5).AppendValue("from ado.net").EndRow();
        }

        var rows = await executor.QueryAsync("SELECT i, b, s, u, d, t FROM wide WHERE t <> 'filler'", cancellationToken: ct);
        Assert.Equal("[{\"i\":2,\"b\":3000000000,\"s\":4,\"u\":5,\"d\":6.5,\"t\":\"from ado.net\"}]", rows.ToJsonString());
        var filler = await executor.QueryAsync("SELECT count(*) AS n, min(i) AS i, max(b) AS b, min(u) AS u FROM wide WHERE t = 'filler'", cancellationToken: ct);
        Assert.Equal($"[{{\"n\":{ChunkRows},\"i\":-1,\"b\":-1,\"u\":255}}]", filler.ToJsonString());
    }

    [Fact]
    public async Task OpenConnection_ProjectLoaded_SameInstanceAsThePool()
    {
        // Temporary secrets and registered functions live in the database instance, not in the file: a connection
        // that sees them is on the pool's instance, not on a second one of the same file.
        var secrets = new[] { new SecretDefinition { Name = "pool_secret", Type = "http", Parameters = JsonSerializer.SerializeToElement(new JsonObject { ["BEARER_TOKEN"] = "t" }) } };
        await using var executor = await _project.StartAsync(secrets: secrets);

        await using var connection = await _project.DataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT count(*) FROM duckdb_secrets() WHERE name = 'pool_secret') AS secrets, get_username() IS NULL AS no_call";
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1L, reader.GetInt64(0));
        Assert.True(reader.GetBoolean(1));
        Assert.Equal(_project.DatabasePath, _project.DataSource.DatabasePath);
        Assert.Equal(_project.DataSource.ConnectionString, connection.ConnectionString);
    }

    [Fact]
    public async Task OpenConnection_ReadOnlyProject_ConnectionIsReadOnly()
    {
        await using (var writer = await _project.StartAsync())
        {
            await writer.QueryAsync("CREATE TABLE t (x INTEGER)", cancellationToken: TestContext.Current.CancellationToken);
        }

        await using var executor = await _project.StartAsync(readOnly: true);
        Assert.True(_project.DataSource.IsReadOnly);
        await using var connection = _project.DataSource.OpenConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO t VALUES (1)";
        var error = Assert.ThrowsAny<DuckDBException>(() => command.ExecuteNonQuery());
        Assert.Contains("read-only", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task OpenConnection_NoExecutorAnyMore_ClearError()
    {
        var executor = await _project.StartAsync();
        await executor.DisposeAsync();
        var error = Assert.Throws<InvalidOperationException>(() => _project.DataSource.OpenConnection());
        Assert.Equal(
            "No project with a DuckDB database is loaded: DuckDbDataSource connects once the Mxcp host has started and loaded the project",
            error.Message);
    }

    [Fact]
    public async Task StartAsync_ConnectionKeptOpenAcrossARestart_UserFunctionsStillSeeTheCall()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await _project.StartAsync();
        await using var kept = _project.DataSource.OpenConnection();
        await first.DisposeAsync();

        // The instance stayed open for the kept connection; the new executor joins it and its functions find the call.
        await using var second = await _project.StartAsync();
        var call = new CallContext { Transport = "cli", User = new UserContext { Provider = "test", Username = "ann" } };
        var rows = await second.QueryAsync("SELECT get_username() AS u", context: call, cancellationToken: ct);
        Assert.Equal("[{\"u\":\"ann\"}]", rows.ToJsonString());
    }

    [Fact]
    public async Task StartAsync_HostOpenedTheFileReadWrite_ReadOnlyRefusedWithClearError()
    {
        await using (var writer = await _project.StartAsync())
        {
            await writer.QueryAsync("SELECT 1", cancellationToken: TestContext.Current.CancellationToken);
        }

        await using var host = new DuckDBConnection(new DuckDBConnectionStringBuilder { DataSource = _project.DatabasePath }.ConnectionString);
        host.Open();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => _project.StartAsync(readOnly: true));
        Assert.Equal(
            $"DuckDB database '{_project.DatabasePath}' is already open read-write in this process; it cannot also be opened read-only",
            error.Message);
    }
}
