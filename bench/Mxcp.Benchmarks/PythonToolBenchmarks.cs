using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb;
using Mxcp.Plugins.Python;

namespace Mxcp.Benchmarks;

/// <summary>
/// The overhead of a trivial Python tool next to a trivial SQL tool, measured in-process through the executors (what
/// the pipeline calls in its step 5): SQL <c>SELECT $x AS x</c> on the DuckDB pool (the baseline); a Python function
/// returning its argument (a round trip over the worker's pipes, a sync call on a worker thread); the same as
/// <c>async def</c> (on the worker's event loop); and a Python function that runs the SQL through <c>db.execute</c>
/// (two round trips). One worker process, warm.
/// </summary>
[MemoryDiagnoser]
public class PythonToolBenchmarks
{
    private string _root = null!;
    private ServiceProvider _services = null!;
    private IEndpointExecutor _sql = null!;
    private IEndpointExecutor _python = null!;
    private EndpointInvocation _sqlCall = null!;
    private EndpointInvocation _pythonCall = null!;
    private EndpointInvocation _pythonAsyncCall = null!;
    private EndpointInvocation _pythonDbCall = null!;

    [GlobalSetup]
    public void Setup()
    {
        _root = Directory.CreateTempSubdirectory("mxcp-bench-python").FullName;
        var file = Path.Combine(_root, "python", "echo.py");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, """
            from mxcp.runtime import db

            def echo(x):
                return x

            async def echo_async(x):
                return x

            def echo_db(x):
                return db.execute("SELECT $x AS x", {"x": x})
            """);

        var collection = new ServiceCollection();
        new DuckDbPlugin().ConfigureServices(collection);
        new PythonPlugin().ConfigureServices(collection);
        _services = collection.BuildServiceProvider();
        var providers = _services.GetServices<IEndpointExecutorProvider>().ToDictionary(p => p.Language);

        var site = JsonSerializer.SerializeToElement(new JsonObject
        {
            ["mxcp"] = 1, ["project"] = "bench", ["profile"] = "dev",
            ["profiles"] = new JsonObject { ["dev"] = new JsonObject { ["duckdb"] = new JsonObject { ["path"] = Path.Combine(_root, "db.duckdb") } } },
        });
        var user = JsonSerializer.SerializeToElement(new JsonObject());
        ProjectRuntimeContext Context(ISqlDatabase? database) => new()
        {
            ProjectRoot = _root, ProjectName = "bench", Profile = "dev", SiteConfig = site, UserConfig = user, SqlDatabase = database, Services = _services,
        };

        _sql = providers["sql"].CreateAsync(Context(null), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _python = providers["python"].CreateAsync(Context((ISqlDatabase)_sql), CancellationToken.None).AsTask().GetAwaiter().GetResult();

        var arguments = new Dictionary<string, object?> { ["x"] = 42L };
        var context = new CallContext { Transport = "stdio" };
        EndpointInvocation Call(string name, string language, string? code) => new()
        {
            Endpoint = new EndpointDefinition
            {
                Kind = EndpointKind.Tool, Name = name, Language = language,
                Source = code is null ? new EndpointSource { File = file, FullPath = file } : new EndpointSource { Code = code },
                Parameters = [new ParameterDefinition("x", new TypeSchema { Type = SchemaType.Integer })],
            },
            SourceText = code,
            Arguments = arguments,
            Context = context,
        };

        _sqlCall = Call("echo_sql", "sql", "SELECT $x AS x");
        _pythonCall = Call("echo", "python", null);
        _pythonAsyncCall = Call("echo_async", "python", null);
        _pythonDbCall = Call("echo_db", "python", null);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _python.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _sql.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _services.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public Task<JsonNode?> SqlTool() => _sql.ExecuteAsync(_sqlCall, CancellationToken.None).AsTask();

    [Benchmark]
    public Task<JsonNode?> PythonSyncTool() => _python.ExecuteAsync(_pythonCall, CancellationToken.None).AsTask();

    [Benchmark]
    public Task<JsonNode?> PythonAsyncTool() => _python.ExecuteAsync(_pythonAsyncCall, CancellationToken.None).AsTask();

    [Benchmark]
    public Task<JsonNode?> PythonToolWithDbExecute() => _python.ExecuteAsync(_pythonDbCall, CancellationToken.None).AsTask();
}
