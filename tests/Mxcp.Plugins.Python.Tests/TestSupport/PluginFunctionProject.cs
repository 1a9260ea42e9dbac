using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb;
using Mxcp.Plugins.Python.Execution;

namespace Mxcp.Plugins.Python.Tests.TestSupport;

/// <summary>
/// A temporary project with Python plugins (<c>plugins/</c>, the site's <c>plugin:</c> list) and a DuckDB file, served by
/// the real DuckDB executor (created through the DuckDB plugin's public entry point, as a host does) and the real Python
/// executor, created in the runtime's order: SQL first, then Python with it as its SQL database.
/// </summary>
internal sealed class PluginFunctionProject : IAsyncDisposable
{
    private readonly List<(IEndpointExecutor Sql, PythonExecutor Python)> _started = [];
    private readonly IEndpointExecutorProvider _sqlProvider;

    public PluginFunctionProject()
    {
        Root = Path.Combine(Path.GetTempPath(), "mxcp-udf-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(Root, "plugins"));
        var services = new ServiceCollection();
        new DuckDbPlugin().ConfigureServices(services);
        _sqlProvider = services.BuildServiceProvider().GetServices<IEndpointExecutorProvider>().Single(p => p.Language == "sql");
    }

    public string Root { get; }

    public RecordingLoggerFactory Logs { get; } = new();

    /// <summary>The site's <c>plugin:</c> list.</summary>
    public JsonArray Plugins { get; } = [];

    /// <summary>The user profile's <c>plugin.config</c> map.</summary>
    public JsonObject PluginConfig { get; } = [];

    /// <summary>The user profile's <c>python</c> section.</summary>
    public JsonObject Settings { get; } = new() { ["timeout"] = 60, ["hang_timeout"] = 30 };

    public string Write(string relativePath, string content)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>A plugin module <c>plugins/&lt;module&gt;.py</c> and its entry in the site's list.</summary>
    public void AddPlugin(string name, string module, string code, string? config = null)
    {
        Write($"plugins/{module}.py", code);
        var entry = new JsonObject { ["name"] = name, ["module"] = module };
        if (config is not null)
        {
            entry["config"] = config;
        }

        Plugins.Add(entry);
    }

    public ProjectRuntimeContext Context(ISqlDatabase? database = null, bool sqlFunctionsOnly = false) => new()
    {
        ProjectRoot = Root,
        ProjectName = "demo",
        Profile = "dev",
        SqlFunctionsOnly = sqlFunctionsOnly,
        SiteConfig = JsonSerializer.SerializeToElement(new JsonObject
        {
            ["mxcp"] = 1,
            ["project"] = "demo",
            ["profile"] = "dev",
            ["plugin"] = Plugins.DeepClone(),
            ["profiles"] = new JsonObject { ["dev"] = new JsonObject { ["duckdb"] = new JsonObject { ["path"] = Path.Combine(Root, "data", "db-dev.duckdb") } } },
        }),
        UserConfig = JsonSerializer.SerializeToElement(new JsonObject
        {
            ["mxcp"] = 1,
            ["projects"] = new JsonObject
            {
                ["demo"] = new JsonObject
                {
                    ["profiles"] = new JsonObject
                    {
                        ["dev"] = new JsonObject { ["python"] = Settings.DeepClone(), ["plugin"] = new JsonObject { ["config"] = PluginConfig.DeepClone() } },
                    },
                },
            },
        }),
        SqlDatabase = database,
        Services = new LoggingServices(Logs),
    };

    /// <summary>Starts a SQL executor and a Python executor on it, as a snapshot does; a second call is a reload's new snapshot.</summary>
    public async Task<(ISqlDatabase Sql, PythonExecutor Python)> StartAsync(bool sqlFunctionsOnly = false)
    {
        var sql = await _sqlProvider.CreateAsync(Context(), TestContext.Current.CancellationToken);
        try
        {
            var provider = new PythonExecutorProvider();
            Assert.True(provider.ProvidesSqlFunctions(Context()) || Plugins.Count == 0);
            var python = (PythonExecutor)await provider.CreateAsync(Context((ISqlDatabase)sql, sqlFunctionsOnly), TestContext.Current.CancellationToken);
            _started.Add((sql, python));
            return ((ISqlDatabase)sql, python);
        }
        catch
        {
            await sql.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops a pair the way a snapshot retires (Python first, then the database).</summary>
    public async Task StopAsync(ISqlDatabase sql)
    {
        var index = _started.FindIndex(p => ReferenceEquals(p.Sql, sql));
        var (executor, python) = _started[index];
        _started.RemoveAt(index);
        await python.DisposeAsync();
        await executor.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (sql, python) in Enumerable.Reverse(_started))
        {
            await python.DisposeAsync();
            await sql.DisposeAsync();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class LoggingServices(RecordingLoggerFactory logs) : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType == typeof(Microsoft.Extensions.Logging.ILoggerFactory) ? logs : null;
    }
}
