using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb;
using Mxcp.Plugins.DuckDb.Database;
using Mxcp.Plugins.DuckDb.Execution;

namespace Mxcp.Benchmarks;

/// <summary>
/// The executor's call with and without the connections' prepared-statement cache, by one caller: <c>Uncached</c>
/// (baseline: every call extracts, prepares, binds and runs, as before the cache) and <c>Cached</c> (a kept statement
/// only binds and runs). Queries: <c>trivial</c> (<c>SELECT 1</c>), <c>lookup</c> (a primary-key lookup of an
/// orders-like table of 100,000 rows, whose filter parameter makes DuckDB bind the kept plan again on each run) and
/// <c>user</c> (the user-context functions and a parameter in the select list, as a tool that answers "who am I" does).
/// Each invocation makes <see cref="Calls"/> calls, so the mean is the time per call.
/// </summary>
[MemoryDiagnoser]
public class DuckDbStatementCacheBenchmarks
{
    /// <summary>Calls per invocation.</summary>
    public const int Calls = 64;

    private string _root = null!;
    private ServiceProvider _services = null!;
    private DuckDbExecutor _executor = null!;
    private CallContext _context = null!;
    private string _sql = null!;

    [Params("trivial", "lookup", "user")]
    public string Query { get; set; } = "trivial";

    [GlobalSetup(Target = nameof(Uncached))]
    public void SetupUncached() => Setup(cacheCapacity: 0);

    [GlobalSetup(Target = nameof(Cached))]
    public void SetupCached() => Setup(PreparedStatementCache.DefaultCapacity);

    [GlobalCleanup]
    public void Cleanup()
    {
        _executor.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _services.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    public Task<long> Uncached() => Run();

    [Benchmark(OperationsPerInvoke = Calls)]
    public Task<long> Cached() => Run();

    private async Task<long> Run()
    {
        long rows = 0;
        for (var i = 0; i < Calls; i++)
        {
            var parameters = new Dictionary<string, object?> { ["id"] = 1 + (i * 7919L % 90000) };
            rows += (await _executor.QueryAsync(_sql, parameters, _context)).Count;
        }

        return rows;
    }

    private void Setup(int cacheCapacity)
    {
        _root = Directory.CreateTempSubdirectory("mxcp-bench-statements").FullName;
        var collection = new ServiceCollection();
        new DuckDbPlugin().ConfigureServices(collection);
        _services = collection.BuildServiceProvider();
        var site = JsonSerializer.SerializeToElement(new JsonObject
        {
            ["mxcp"] = 1, ["project"] = "bench", ["profile"] = "dev",
            ["profiles"] = new JsonObject { ["dev"] = new JsonObject { ["duckdb"] = new JsonObject { ["path"] = Path.Combine(_root, "db.duckdb") } } },
        });
        var context = new ProjectRuntimeContext
        {
            ProjectRoot = _root, ProjectName = "bench", Profile = "dev", SiteConfig = site,
            UserConfig = JsonSerializer.SerializeToElement(new JsonObject()), Services = _services,
        };
        var provider = _services.GetServices<IEndpointExecutorProvider>().Single(p => p.Language == "sql");
        _executor = (DuckDbExecutor)provider.CreateAsync(context, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _executor.QueryAsync(OrdersTable.CreateSql(100_000)).AsTask().GetAwaiter().GetResult();
        _context = new CallContext
        {
            Transport = "streamable-http",
            User = new UserContext { Provider = "github", Username = "ada", Email = "ada@example.com" },
        };
        _sql = Query switch
        {
            "trivial" => "SELECT 1 AS one, $id::BIGINT AS id",
            "lookup" => "SELECT * FROM orders WHERE order_id = $id",
            _ => "SELECT get_username() AS username, get_user_email() AS email, $id::BIGINT AS id",
        };

        var leases = Enumerable.Range(0, _executor.Pool.Size)
            .Select(_ => _executor.Pool.RentAsync(null, CancellationToken.None).AsTask().GetAwaiter().GetResult())
            .ToList();
        foreach (var lease in leases)
        {
            lease.Connection.Statements.Capacity = cacheCapacity;
            lease.Dispose();
        }

        if (Run().GetAwaiter().GetResult() != Calls)
        {
            throw new InvalidOperationException("Every call must answer one row");
        }
    }
}
