using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Tests.TestSupport;

namespace Mxcp.Plugins.DuckDb.Tests.Database;

/// <summary>Opening the database: read-only mode, in-memory refusal, secrets and extensions at start-up.</summary>
public sealed class DatabaseTests : IDisposable
{
    private readonly TestProject _project = new();

    public void Dispose() => _project.Dispose();

    [Fact]
    public async Task CreateAsync_MissingFolderAndFile_BothCreated()
    {
        _project.DatabasePath = Path.Combine(_project.Root, "nested", "deeper", "db.duckdb");
        await using (var executor = await _project.StartAsync())
        {
            await executor.QueryAsync("CREATE TABLE t (x INTEGER)", cancellationToken: TestContext.Current.CancellationToken);
        }

        Assert.True(File.Exists(_project.DatabasePath));
    }

    [Fact]
    public async Task CreateAsync_ReadOnlyAndFileMissing_FileCreatedAndReadsWork()
    {
        await using var executor = await _project.StartAsync(readOnly: true);
        Assert.True(File.Exists(_project.DatabasePath));
        var rows = await executor.QueryAsync("SELECT 42 AS answer", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("[{\"answer\":42}]", rows.ToJsonString());
    }

    [Fact]
    public async Task QueryAsync_WriteInReadOnlyMode_DuckDbReadOnlyError()
    {
        await using (var writer = await _project.StartAsync())
        {
            await writer.QueryAsync("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)", cancellationToken: TestContext.Current.CancellationToken);
        }

        await using var executor = await _project.StartAsync(readOnly: true);
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
            await executor.QueryAsync("INSERT INTO t VALUES (2)", cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("read-only", error.Message, StringComparison.OrdinalIgnoreCase);
        var rows = await executor.QueryAsync("SELECT x FROM t", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("[{\"x\":1}]", rows.ToJsonString());
    }

    [Theory]
    [InlineData(":memory:")]
    [InlineData(":memory:named")]
    public async Task CreateAsync_InMemoryPath_Rejected(string path)
    {
        _project.DatabasePath = path;
        var error = await Assert.ThrowsAnyAsync<Exception>(() => _project.StartAsync());
        Assert.Equal("In-memory databases (:memory:) are not supported", error.Message);
    }

    [Fact]
    public async Task CreateAsync_SameFileTwice_SharesTheDatabase()
    {
        await using var first = await _project.StartAsync();
        await using var second = await _project.StartAsync();
        await first.QueryAsync("CREATE TABLE shared (x INTEGER); INSERT INTO shared VALUES (5)", cancellationToken: TestContext.Current.CancellationToken);
        var rows = await second.QueryAsync("SELECT x FROM shared", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("[{\"x\":5}]", rows.ToJsonString());
    }

    [Fact]
    public async Task DisposeAsync_LastExecutor_ReleasesTheFileForOthers()
    {
        await using (var executor = await _project.StartAsync())
        {
            await executor.QueryAsync("CREATE TABLE t (x INTEGER)", cancellationToken: TestContext.Current.CancellationToken);
        }

        // Re-opening in the other mode only works when the first handle was closed.
        await using var readOnly = await _project.StartAsync(readOnly: true);
        Assert.Equal("[{\"n\":0}]", (await readOnly.QueryAsync("SELECT count(*) AS n FROM t", cancellationToken: TestContext.Current.CancellationToken)).ToJsonString());
    }

    [Fact]
    public async Task CreateAsync_SecretsWithQuotesAndMaps_CreatedInDuckDb()
    {
        // "http" is built into DuckDB; "s3" would need the httpfs extension, which an offline machine cannot install.
        var secrets = new[]
        {
            Secret("api_token", "http", new JsonObject { ["BEARER_TOKEN"] = "it's-a-\"token\"", ["HTTP_PROXY"] = "http://proxy:8080" }),
            Secret("http headers", "http", new JsonObject
            {
                ["EXTRA_HTTP_HEADERS"] = new JsonObject { ["Authorization"] = "Bearer o'brien", ["X-Team"] = "data" },
            }),
        };
        await using var executor = await _project.StartAsync(secrets: secrets);
        var rows = await executor.QueryAsync("SELECT name, type, storage FROM duckdb_secrets() ORDER BY name",
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(
            "[{\"name\":\"api_token\",\"type\":\"http\",\"storage\":\"memory\"},{\"name\":\"http headers\",\"type\":\"http\",\"storage\":\"memory\"}]",
            rows.ToJsonString());
        var values = await executor.QueryAsync("SELECT name, secret_string FROM duckdb_secrets() ORDER BY name",
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains("http_proxy=http://proxy:8080", values[0]!["secret_string"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("extra_http_headers", values[1]!["secret_string"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_SecretsVisibleToEveryPooledConnection()
    {
        var secrets = new[] { Secret("shared_token", "http", new JsonObject { ["BEARER_TOKEN"] = "t" }) };
        await using var executor = await _project.StartAsync(secrets: secrets);
        var counts = await Task.WhenAll(Enumerable.Range(0, executor.Pool.Size).Select(async _ =>
            (await executor.QueryAsync("SELECT count(*) AS n FROM duckdb_secrets() WHERE name = 'shared_token'",
                cancellationToken: TestContext.Current.CancellationToken)).ToJsonString()));
        Assert.All(counts, c => Assert.Equal("[{\"n\":1}]", c));
    }

    [Fact]
    public async Task CreateAsync_NonDuckDbSecretType_IgnoredAndValueNotLogged()
    {
        var secrets = new[]
        {
            Secret("app_db", "database", new JsonObject { ["password"] = "hunter2-very-secret", ["host"] = "db.internal" }),
            Secret("needs_httpfs", "s3", new JsonObject { ["KEY_ID"] = "AKIA-SECRET-KEY-ID" }),
            Secret("no_params", "custom", new JsonObject()),
        };
        await using var executor = await _project.StartAsync(secrets: secrets);
        var rows = await executor.QueryAsync("SELECT count(*) AS n FROM duckdb_secrets()", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("[{\"n\":0}]", rows.ToJsonString());

        var debug = _project.Logs.Messages.Where(m => m.Level == LogLevel.Debug).Select(m => m.Message).ToList();
        Assert.Contains(debug, m => m.Contains("app_db", StringComparison.Ordinal));
        Assert.DoesNotContain(_project.Logs.Messages, m => m.Message.Contains("hunter2", StringComparison.Ordinal));
        Assert.DoesNotContain(_project.Logs.Messages, m => m.Message.Contains("db.internal", StringComparison.Ordinal));
        Assert.DoesNotContain(_project.Logs.Messages, m => m.Message.Contains("AKIA-SECRET-KEY-ID", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreateAsync_BuiltInExtension_LoadsWithoutNetwork()
    {
        var site = _project.SiteConfig(extensions: [new JsonObject { ["name"] = "json" }, "parquet"]);
        await using var executor = await _project.StartAsync(site);
        var rows = await executor.QueryAsync("SELECT json_extract('{\"a\": 1}', '$.a') AS a", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("[{\"a\":1}]", rows.ToJsonString());
    }

    [Fact]
    public async Task CreateAsync_UnknownExtension_ErrorNamesItAndMentionsOffline()
    {
        var site = _project.SiteConfig(extensions: [new JsonObject { ["name"] = "no_such_extension_xyz", ["repo"] = "community" }]);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => _project.StartAsync(site));
        Assert.StartsWith("Could not install DuckDB extension 'no_such_extension_xyz' from 'community'", error.Message, StringComparison.Ordinal);
        Assert.Contains("offline", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_InvalidPoolSizeVariable_ClearError()
    {
        var settings = Mxcp.Plugins.DuckDb.Configuration.DuckDbSettings.From(_project.Context(), _ => null);
        Assert.Equal(Math.Max(10, 2 * Environment.ProcessorCount), settings.PoolSize);
        var error = Assert.ThrowsAny<Exception>(() => Mxcp.Plugins.DuckDb.Configuration.DuckDbSettings.From(_project.Context(), _ => "zero"));
        Assert.Equal("MXCP_DUCKDB_POOL_SIZE must be a whole number from 1 to 1024, not 'zero'", error.Message);
        Assert.Equal(3, Mxcp.Plugins.DuckDb.Configuration.DuckDbSettings.From(_project.Context(), _ => "3").PoolSize);
        await Task.CompletedTask;
    }

    private static SecretDefinition Secret(string name, string type, JsonObject parameters) =>
        new() { Name = name, Type = type, Parameters = JsonSerializer.SerializeToElement(parameters) };
}
