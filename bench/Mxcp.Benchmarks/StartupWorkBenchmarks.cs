using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using DuckDB.NET.Native;
using Microsoft.Extensions.DependencyInjection;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb;
using Mxcp.Plugins.DuckDb.Execution;
using Mxcp.Runtime.Endpoints;

namespace Mxcp.Benchmarks;

/// <summary>
/// The work a start does for each SQL endpoint, once the code is warm, against what DuckDB itself needs: the
/// <c>bench/run.sh</c> start-up projects' tool file (about 300 bytes, one integer parameter, <c>SELECT $x + n AS v</c>),
/// each invocation with <see cref="Endpoints"/> different files or statements, so the mean is the time per endpoint.
/// <list type="bullet">
/// <item><c>DuckDbPrepare</c> (baseline): <c>duckdb_prepare</c> and <c>duckdb_destroy_prepare</c> of each statement
/// through the C API on one connection: what DuckDB needs to check a statement.</item>
/// <item><c>CheckSql</c>: the SQL executor's check of the endpoint (<c>ValidateAsync</c>: parameters declared, every
/// statement extracted and prepared on a leased connection), as a start runs it.</item>
/// <item><c>ReadEndpointFile</c>: reading and parsing the endpoint's YAML file into its definition.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
public class StartupWorkBenchmarks
{
    /// <summary>Endpoints per invocation.</summary>
    public const int Endpoints = 200;

    private string _root = null!;
    private ServiceProvider _services = null!;
    private DuckDbExecutor _executor = null!;
    private DuckDBDatabase _database = null!;
    private DuckDBNativeConnection _connection = null!;
    private EndpointDefinition[] _definitions = null!;
    private string[] _sql = null!;
    private string[] _files = null!;

    [GlobalSetup]
    public void Setup()
    {
        _root = Directory.CreateTempSubdirectory("mxcp-bench-startup").FullName;
        Directory.CreateDirectory(Path.Combine(_root, "tools"));
        _files = new string[Endpoints];
        for (var i = 0; i < Endpoints; i++)
        {
            _files[i] = Path.Combine(_root, "tools", $"catalog_tool_{i:D4}.yml");
            File.WriteAllText(_files[i], $$"""
                mxcp: 1
                tool:
                  name: catalog_tool_{{i:D4}}
                  description: "Filler tool {{i}} of the tools/list workload: adds {{i}} to x. Registered so that servers list 10000 tools."
                  parameters:
                    - name: x
                      type: integer
                      description: "Any integer."
                  source:
                    code: "SELECT $x + {{i}} AS v"
                """);
        }

        _definitions = _files.Select(f => EndpointDiscovery.ReadFile(f, f, _root, EndpointKind.Tool).Definition
            ?? throw new InvalidOperationException($"{f} did not read")).ToArray();
        _sql = _definitions.Select(d => d.Source!.Code!).ToArray();

        var collection = new ServiceCollection();
        new DuckDbPlugin().ConfigureServices(collection);
        _services = collection.BuildServiceProvider();
        var path = Path.Combine(_root, "db.duckdb");
        var site = JsonSerializer.SerializeToElement(new JsonObject
        {
            ["mxcp"] = 1, ["project"] = "bench", ["profile"] = "dev",
            ["profiles"] = new JsonObject { ["dev"] = new JsonObject { ["duckdb"] = new JsonObject { ["path"] = path } } },
        });
        var context = new ProjectRuntimeContext
        {
            ProjectRoot = _root, ProjectName = "bench", Profile = "dev", SiteConfig = site,
            UserConfig = JsonSerializer.SerializeToElement(new JsonObject()), Services = _services,
        };
        var provider = _services.GetServices<IEndpointExecutorProvider>().Single(p => p.Language == "sql");
        _executor = (DuckDbExecutor)provider.CreateAsync(context, CancellationToken.None).AsTask().GetAwaiter().GetResult();

        if (NativeMethods.Startup.DuckDBOpen((string?)null, out _database) != DuckDBState.Success
            || NativeMethods.Startup.DuckDBConnect(_database, out _connection) != DuckDBState.Success)
        {
            throw new InvalidOperationException("Could not open an in-memory DuckDB database");
        }

        if (CheckSql().GetAwaiter().GetResult() != 0 || DuckDbPrepare() != Endpoints)
        {
            throw new InvalidOperationException("A statement did not check");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _connection.Dispose();
        _database.Dispose();
        _executor.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _services.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Endpoints)]
    public int DuckDbPrepare()
    {
        var prepared = 0;
        foreach (var sql in _sql)
        {
            var state = NativeMethods.PreparedStatements.DuckDBPrepare(_connection, sql, out var statement);
            using (statement)
            {
                prepared += state == DuckDBState.Success ? 1 : 0;
            }
        }

        return prepared;
    }

    [Benchmark(OperationsPerInvoke = Endpoints)]
    public async Task<int> CheckSql()
    {
        var errors = 0;
        for (var i = 0; i < Endpoints; i++)
        {
            errors += (await _executor.ValidateAsync(_definitions[i], _sql[i], CancellationToken.None)).Count;
        }

        return errors;
    }

    [Benchmark(OperationsPerInvoke = Endpoints)]
    public int ReadEndpointFile()
    {
        var read = 0;
        foreach (var file in _files)
        {
            read += EndpointDiscovery.ReadFile(file, file, _root, EndpointKind.Tool).IsValid ? 1 : 0;
        }

        return read;
    }
}
