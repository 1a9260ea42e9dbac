using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Tests.TestSupport;

namespace Mxcp.Plugins.DuckDb.Tests.Execution;

/// <summary>SQL endpoints run through <c>IEndpointExecutor.ExecuteAsync</c>: several statements, parameters per statement.</summary>
public sealed class ExecutionTests : IAsyncLifetime
{
    private readonly TestProject _project = new();
    private Mxcp.Plugins.DuckDb.Execution.DuckDbExecutor _executor = null!;

    public async ValueTask InitializeAsync() => _executor = await _project.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _executor.DisposeAsync();
        _project.Dispose();
    }

    [Fact]
    public async Task ExecuteAsync_SeveralStatements_RunInOrderAndReturnLastRows()
    {
        const string Sql = """
            CREATE TABLE IF NOT EXISTS items (id INTEGER, name VARCHAR);
            INSERT INTO items VALUES ($id, $name);
            -- a comment between statements; with a ; inside
            SELECT id, name FROM items WHERE id = $id;
            """;
        var endpoint = Calls.SqlTool("add_item", "id", "name");
        var result = await _executor.ExecuteAsync(
            Calls.Invocation(endpoint, Sql, new Dictionary<string, object?> { ["id"] = 7L, ["name"] = "seven" }),
            TestContext.Current.CancellationToken);
        Assert.Equal("[{\"id\":7,\"name\":\"seven\"}]", result!.ToJsonString());
    }

    [Fact]
    public async Task ExecuteAsync_LastStatementIsDdl_EmptyOrStatusRows()
    {
        var result = await _executor.ExecuteAsync(
            Calls.Invocation(Calls.SqlTool("make"), "CREATE TABLE made (x INTEGER); INSERT INTO made VALUES (1), (2)"),
            TestContext.Current.CancellationToken);
        Assert.Equal("[{\"Count\":2}]", result!.ToJsonString());
    }

    [Fact]
    public async Task ExecuteAsync_FailingMiddleStatement_DuckDbErrorAndLaterStatementsNotRun()
    {
        await _executor.QueryAsync("CREATE TABLE log (x INTEGER)", cancellationToken: TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await _executor.ExecuteAsync(
            Calls.Invocation(Calls.SqlTool("t"), "INSERT INTO log VALUES (1); SELECT * FROM no_such_table; INSERT INTO log VALUES (2)"),
            TestContext.Current.CancellationToken));
        Assert.Contains("no_such_table", error.Message, StringComparison.Ordinal);
        var rows = await _executor.QueryAsync("SELECT x FROM log ORDER BY x", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("[{\"x\":1}]", rows.ToJsonString());
    }

    [Fact]
    public async Task ExecuteAsync_RuntimeErrorWhileStreaming_DuckDbMessage()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await _executor.ExecuteAsync(
            Calls.Invocation(Calls.SqlTool("t"), "SELECT CAST('abc' || range AS INTEGER) AS v FROM range(5000)"),
            TestContext.Current.CancellationToken));
        Assert.Contains("Conversion Error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_ParameterInEarlierStatementOnly_EachStatementBindsItsOwn()
    {
        var result = await _executor.ExecuteAsync(
            Calls.Invocation(Calls.SqlTool("t", "v"), "SET VARIABLE remembered = $v; SELECT getvariable('remembered') AS r",
                new Dictionary<string, object?> { ["v"] = "kept" }),
            TestContext.Current.CancellationToken);
        Assert.Equal("[{\"r\":\"kept\"}]", result!.ToJsonString());
    }

    [Fact]
    public async Task ExecuteAsync_MissingSource_ClearError()
    {
        var endpoint = new EndpointDefinition
        {
            Kind = EndpointKind.Tool,
            Name = "nosql",
            Language = "sql",
            Source = new EndpointSource { File = "../sql/nosql.sql", FullPath = "/p/sql/nosql.sql" },
        };
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
            await _executor.ExecuteAsync(Calls.Invocation(endpoint, null), TestContext.Current.CancellationToken));
        Assert.Equal("SQL source file '/p/sql/nosql.sql' of tool/nosql is missing or empty", error.Message);
    }

    [Fact]
    public async Task ExecuteAsync_CommentsOnly_EmptyResult()
    {
        var result = await _executor.ExecuteAsync(Calls.Invocation(Calls.SqlTool("t"), "-- nothing to do\n"), TestContext.Current.CancellationToken);
        Assert.Equal("[]", result!.ToJsonString());
    }

    [Fact]
    public async Task QueryAsync_WritesPersist_VisibleToLaterCalls()
    {
        await _executor.QueryAsync("CREATE TABLE kv (k VARCHAR, v INTEGER); INSERT INTO kv VALUES ('a', 1)", cancellationToken: TestContext.Current.CancellationToken);
        var rows = await _executor.QueryAsync("SELECT v FROM kv WHERE k = $k", new Dictionary<string, object?> { ["k"] = "a" },
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("[{\"v\":1}]", rows.ToJsonString());
    }
}
