using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Execution;
using Mxcp.Plugins.DuckDb.Tests.TestSupport;

namespace Mxcp.Plugins.DuckDb.Tests.Execution;

/// <summary>The built-in SQL tools of <c>sql_tools.enabled: true</c>.</summary>
public sealed class BuiltInSqlToolsTests : IDisposable
{
    private readonly TestProject _project = new();

    public void Dispose() => _project.Dispose();

    [Fact]
    public async Task BuiltInEndpoints_Disabled_None()
    {
        await using var executor = await _project.StartAsync();
        Assert.Empty(executor.BuiltInEndpoints);
    }

    [Fact]
    public async Task BuiltInEndpoints_Enabled_ThreeToolsWithReferenceMetadata()
    {
        await using var executor = await _project.StartAsync(_project.SiteConfig(sqlTools: new JsonObject { ["enabled"] = true }));
        var tools = executor.BuiltInEndpoints.ToDictionary(e => e.Name);
        Assert.Equal(["execute_sql_query", "list_tables", "get_table_schema"], executor.BuiltInEndpoints.Select(e => e.Name));
        Assert.All(executor.BuiltInEndpoints, e =>
        {
            Assert.Equal(EndpointKind.Tool, e.Kind);
            Assert.Equal("sql", e.Language);
            Assert.True(e.IsBuiltIn);
        });

        var execute = tools["execute_sql_query"];
        Assert.Equal("Execute a SQL query against the DuckDB database and return the results as a list of records", execute.Description);
        Assert.Equal("SQL Query Executor", execute.Annotations!.Title);
        Assert.Equal((false, true, false, false), (execute.Annotations.ReadOnlyHint, execute.Annotations.DestructiveHint, execute.Annotations.IdempotentHint, execute.Annotations.OpenWorldHint));
        Assert.Equal(["sql"], execute.Parameters.Select(p => p.Name));

        var list = tools["list_tables"];
        Assert.Equal("List all tables in the DuckDB database", list.Description);
        Assert.Equal("Database Table Lister", list.Annotations!.Title);
        Assert.Equal((true, false, true, false), (list.Annotations.ReadOnlyHint, list.Annotations.DestructiveHint, list.Annotations.IdempotentHint, list.Annotations.OpenWorldHint));
        Assert.Empty(list.Parameters);

        var schema = tools["get_table_schema"];
        Assert.Equal("Get the schema for a specific table in the DuckDB database", schema.Description);
        Assert.Equal("Table Schema Inspector", schema.Annotations!.Title);
        Assert.Equal(["table_name"], schema.Parameters.Select(p => p.Name));
    }

    [Fact]
    public async Task BuiltInEndpoints_DescriptionOverrides_Used()
    {
        var sqlTools = new JsonObject
        {
            ["enabled"] = true,
            ["execute_sql_query"] = new JsonObject { ["description"] = "Run read-only analytics SQL" },
            ["get_table_schema"] = new JsonObject { ["description"] = "Columns of a table" },
        };
        await using var executor = await _project.StartAsync(_project.SiteConfig(sqlTools: sqlTools));
        var descriptions = executor.BuiltInEndpoints.ToDictionary(e => e.Name, e => e.Description);
        Assert.Equal("Run read-only analytics SQL", descriptions["execute_sql_query"]);
        Assert.Equal("List all tables in the DuckDB database", descriptions["list_tables"]);
        Assert.Equal("Columns of a table", descriptions["get_table_schema"]);
    }

    [Fact]
    public async Task ExecuteAsync_EachTool_RunsItsSql()
    {
        await using var executor = await _project.StartAsync(_project.SiteConfig(sqlTools: new JsonObject { ["enabled"] = true }));
        var tools = executor.BuiltInEndpoints.ToDictionary(e => e.Name);
        var ct = TestContext.Current.CancellationToken;

        var created = await executor.ExecuteAsync(Calls.Invocation(tools["execute_sql_query"], null, new Dictionary<string, object?>
        {
            ["sql"] = "CREATE TABLE people (id INTEGER NOT NULL, name VARCHAR); CREATE VIEW people_v AS SELECT * FROM people; " +
                      "INSERT INTO people VALUES (1, 'Ada'); SELECT * FROM people",
        }), ct);
        Assert.Equal("[{\"id\":1,\"name\":\"Ada\"}]", created!.ToJsonString());

        var tables = await executor.ExecuteAsync(Calls.Invocation(tools["list_tables"], null), ct);
        Assert.Equal("[{\"name\":\"people\",\"type\":\"BASE TABLE\"},{\"name\":\"people_v\",\"type\":\"VIEW\"}]", tables!.ToJsonString());

        var schema = await executor.ExecuteAsync(Calls.Invocation(tools["get_table_schema"], null, new Dictionary<string, object?> { ["table_name"] = "people" }), ct);
        Assert.Equal("[{\"name\":\"id\",\"type\":\"INTEGER\",\"nullable\":\"NO\"},{\"name\":\"name\",\"type\":\"VARCHAR\",\"nullable\":\"YES\"}]", schema!.ToJsonString());

        var none = await executor.ExecuteAsync(Calls.Invocation(tools["get_table_schema"], null, new Dictionary<string, object?> { ["table_name"] = "x'; DROP TABLE people; --" }), ct);
        Assert.Equal("[]", none!.ToJsonString());
    }

    [Fact]
    public async Task ExecuteAsync_ExecuteSqlQueryInReadOnlyMode_WriteRefusedByDuckDb()
    {
        await using var executor = await _project.StartAsync(_project.SiteConfig(sqlTools: new JsonObject { ["enabled"] = true }), readOnly: true);
        var tool = executor.BuiltInEndpoints.Single(e => e.Name == "execute_sql_query");
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await executor.ExecuteAsync(
            Calls.Invocation(tool, null, new Dictionary<string, object?> { ["sql"] = "CREATE TABLE t (x INTEGER)" }), TestContext.Current.CancellationToken));
        Assert.Contains("read-only", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ExecuteAsync_CopyToFileInReadOnlyMode_RefusedAndNoFileWritten()
    {
        await using var executor = await _project.StartAsync(_project.SiteConfig(sqlTools: new JsonObject { ["enabled"] = true }), readOnly: true);
        var target = Path.Combine(_project.Root, "copied.csv");
        var error = await Assert.ThrowsAnyAsync<Exception>(() => RunSqlAsync(executor, $"COPY (SELECT 42 AS answer) TO '{target}' (FORMAT csv)"));
        Assert.Equal("execute_sql_query runs only queries (SELECT) while the server is read-only; statement 1 is a COPY", error.Message);
        Assert.False(File.Exists(target));

        var query = await RunSqlAsync(executor, "SELECT 42 AS answer");
        Assert.Equal("[{\"answer\":42}]", query.ToJsonString());
    }

    [Fact]
    public async Task ExecuteAsync_ReadFileOutsideProject_RefusedByFileSandbox()
    {
        var outside = Path.Combine(Path.GetTempPath(), "mxcp-duckdb-outside-" + Guid.NewGuid().ToString("N") + ".txt");
        File.WriteAllText(outside, "user config secret");
        var inside = Path.Combine(_project.Root, "notes.txt");
        File.WriteAllText(inside, "project file");
        try
        {
            await using var executor = await _project.StartAsync(_project.SiteConfig(sqlTools: new JsonObject { ["enabled"] = true }));
            var error = await Assert.ThrowsAnyAsync<Exception>(() => RunSqlAsync(executor, $"SELECT content FROM read_text('{outside}')"));
            Assert.DoesNotContain("user config secret", error.Message, StringComparison.Ordinal);
            Assert.Contains("Permission Error", error.Message, StringComparison.Ordinal);

            var written = await Assert.ThrowsAnyAsync<Exception>(() => RunSqlAsync(executor, $"COPY (SELECT 1 AS x) TO '{outside}.csv' (FORMAT csv)"));
            Assert.Contains("Permission Error", written.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(outside + ".csv"));

            var unlock = await Assert.ThrowsAnyAsync<Exception>(() => RunSqlAsync(executor, "SET enable_external_access = true"));
            Assert.Contains("configuration has been locked", unlock.Message, StringComparison.OrdinalIgnoreCase);

            var own = await RunSqlAsync(executor, $"SELECT content FROM read_text('{inside}')");
            Assert.Equal("[{\"content\":\"project file\"}]", own.ToJsonString());
        }
        finally
        {
            File.Delete(outside);
        }
    }

    [Fact]
    public async Task ExecuteAsync_FileAccessAny_OperatorWidensSandbox()
    {
        var outside = Path.Combine(Path.GetTempPath(), "mxcp-duckdb-outside-" + Guid.NewGuid().ToString("N") + ".txt");
        File.WriteAllText(outside, "shared data");
        try
        {
            var site = _project.SiteConfig(sqlTools: new JsonObject { ["enabled"] = true });
            site["profiles"]!["test"]!["duckdb"]!["file_access"] = "any";
            await using var executor = await _project.StartAsync(site);
            var rows = await RunSqlAsync(executor, $"SELECT content FROM read_text('{outside}')");
            Assert.Equal("[{\"content\":\"shared data\"}]", rows.ToJsonString());
        }
        finally
        {
            File.Delete(outside);
        }
    }

    [Fact]
    public async Task ExecuteAsync_AllowedPaths_FolderReachable()
    {
        var shared = Path.Combine(Path.GetTempPath(), "mxcp-duckdb-shared-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(shared);
        File.WriteAllText(Path.Combine(shared, "a.txt"), "allowed");
        try
        {
            var site = _project.SiteConfig(sqlTools: new JsonObject { ["enabled"] = true });
            site["profiles"]!["test"]!["duckdb"]!["allowed_paths"] = new JsonArray(shared);
            await using var executor = await _project.StartAsync(site);
            var rows = await RunSqlAsync(executor, $"SELECT content FROM read_text('{Path.Combine(shared, "a.txt")}')");
            Assert.Equal("[{\"content\":\"allowed\"}]", rows.ToJsonString());
        }
        finally
        {
            Directory.Delete(shared, recursive: true);
        }
    }

    [Theory]
    [InlineData("SELECT secret_string FROM duckdb_secrets()")]
    [InlineData("SELECT * FROM (SELECT * FROM duckdb_secrets()) s")]
    [InlineData("CREATE VIEW leak AS SELECT secret_string FROM duckdb_secrets(); SELECT * FROM leak")]
    [InlineData("CREATE MACRO leak() AS TABLE SELECT secret_string FROM duckdb_secrets(); SELECT * FROM leak()")]
    [InlineData("SELECT * FROM query('SELECT secret_string FROM duckdb_secrets()')")]
    [InlineData("CREATE TABLE copy AS SELECT * FROM duckdb_secrets()")]
    public async Task ExecuteAsync_ReadsSecrets_RefusedWithoutValue(string sql)
    {
        var secrets = new[]
        {
            new SecretDefinition
            {
                Name = "api_headers",
                Type = "http",
                Parameters = JsonSerializer.SerializeToElement(new JsonObject
                {
                    ["EXTRA_HTTP_HEADERS"] = new JsonObject { ["Authorization"] = "Bearer sk-live-123456" },
                }),
            },
        };
        await using var executor = await _project.StartAsync(_project.SiteConfig(sqlTools: new JsonObject { ["enabled"] = true }), secrets: secrets);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => RunSqlAsync(executor, sql));
        Assert.Equal("execute_sql_query does not read DuckDB's secrets (duckdb_secrets()): their values must not leave the server", error.Message);
        Assert.DoesNotContain("sk-live", error.Message, StringComparison.Ordinal);
    }

    private static async Task<JsonArray> RunSqlAsync(DuckDbExecutor executor, string sql)
    {
        var tool = executor.BuiltInEndpoints.Single(e => e.Name == "execute_sql_query");
        var result = await executor.ExecuteAsync(
            Calls.Invocation(tool, null, new Dictionary<string, object?> { ["sql"] = sql }), TestContext.Current.CancellationToken);
        return result!.AsArray();
    }
}
