using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Execution;

namespace Mxcp.Plugins.DuckDb.Tests.TestSupport;

/// <summary>A temporary MXCP project folder with a DuckDB file, and helpers to start the real executor on it.</summary>
internal sealed class TestProject : IDisposable
{
    public TestProject()
    {
        Root = Path.Combine(Path.GetTempPath(), "mxcp-duckdb-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        DatabasePath = Path.Combine(Root, "data", "db-test.duckdb");
    }

    public string Root { get; }

    public string DatabasePath { get; set; }

    public RecordingLoggerFactory Logs { get; } = new();

    /// <summary>The ADO.NET data source the executors of this project attach their database to.</summary>
    public DuckDbDataSource DataSource { get; } = new();

    public JsonObject SiteConfig(JsonArray? extensions = null, JsonObject? sqlTools = null) => new()
    {
        ["mxcp"] = 1,
        ["project"] = "tests",
        ["profile"] = "test",
        ["profiles"] = new JsonObject { ["test"] = new JsonObject { ["duckdb"] = new JsonObject { ["path"] = DatabasePath, ["readonly"] = false } } },
        ["extensions"] = extensions ?? [],
        ["sql_tools"] = sqlTools ?? new JsonObject { ["enabled"] = false },
    };

    public ProjectRuntimeContext Context(
        JsonObject? site = null, bool readOnly = false, IReadOnlyList<SecretDefinition>? secrets = null, ResultLimits? limits = null) => new()
    {
        ResultLimits = limits ?? ResultLimits.Default,
        ProjectRoot = Root,
        ProjectName = "tests",
        Profile = "test",
        ReadOnly = readOnly,
        SiteConfig = JsonSerializer.SerializeToElement(site ?? SiteConfig()),
        UserConfig = JsonSerializer.SerializeToElement(new JsonObject()),
        Secrets = secrets ?? [],
        Services = new TestServices(Logs),
    };

    public async Task<DuckDbExecutor> StartAsync(
        JsonObject? site = null, bool readOnly = false, IReadOnlyList<SecretDefinition>? secrets = null, ResultLimits? limits = null)
    {
        var executor = await new DuckDbExecutorProvider(DataSource).CreateAsync(Context(site, readOnly, secrets, limits), CancellationToken.None);
        return (DuckDbExecutor)executor;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Just enough of a service provider: the logger factory.</summary>
internal sealed class TestServices(RecordingLoggerFactory logs) : IServiceProvider
{
    public object? GetService(Type serviceType) =>
        serviceType == typeof(Microsoft.Extensions.Logging.ILoggerFactory) ? logs : null;
}

/// <summary>Builders for endpoints and calls.</summary>
internal static class Calls
{
    public static CallContext Anonymous { get; } = new() { Transport = "cli" };

    public static EndpointDefinition SqlTool(string name, params string[] parameters) => new()
    {
        Kind = EndpointKind.Tool,
        Name = name,
        Language = "sql",
        Parameters = parameters.Select(p => new ParameterDefinition(p, new TypeSchema { Type = SchemaType.String })).ToList(),
        Source = new EndpointSource { Code = "inline" },
    };

    public static EndpointInvocation Invocation(EndpointDefinition endpoint, string? sql, IReadOnlyDictionary<string, object?>? arguments = null, CallContext? context = null) => new()
    {
        Endpoint = endpoint,
        SourceText = sql,
        Arguments = arguments ?? new Dictionary<string, object?>(),
        Context = context ?? Anonymous,
    };
}
