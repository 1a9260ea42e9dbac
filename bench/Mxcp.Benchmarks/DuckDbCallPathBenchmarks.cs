using System.Data;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using DuckDB.NET.Data;
using Microsoft.Extensions.DependencyInjection;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb;
using Mxcp.Plugins.DuckDb.Database;
using Mxcp.Plugins.DuckDb.Execution;

namespace Mxcp.Benchmarks;

/// <summary>
/// One SQL call as an endpoint makes it, by the plugin's own layers on DuckDB.NET's bindings against DuckDB.NET's
/// ADO.NET layer, to decide which layer to keep: a point lookup (primary key) and a 2,048-row read of an orders-like
/// table of 100,000 rows (BIGINT, INTEGER, TIMESTAMP, VARCHAR, DECIMAL, DOUBLE, BOOLEAN), rows turned into a <see cref="JsonArray"/>, by 1 and
/// 8 concurrent callers. Every invocation makes <see cref="Calls"/> calls spread over the callers, so the mean is the
/// time per call (1 / throughput).
/// <list type="bullet">
/// <item><c>Executor</c> (baseline): the executor's path: pool, the connection's own thread, statement extraction,
/// <c>$name</c> binding by the C API and the chunk readers.</item>
/// <item><c>OursOnTaskRun</c>: the same statement path and readers on a thread-pool thread instead of the connection's.</item>
/// <item><c>DuckDBCommandOnOurThread</c>: <see cref="DuckDBCommand"/> and <see cref="DuckDBDataReader"/> on the
/// pool's connection and thread (DuckDB.NET's statement path and readers, our pool and thread).</item>
/// <item><c>DuckDBCommandOnTaskRun</c>: the same on <see cref="Task.Run(Action)"/> (the pool without its threads).</item>
/// <item><c>DuckDBCommandOpenPerCall</c>: DuckDB.NET alone, as ADO.NET code writes it: a connection opened per call
/// (DuckDB.NET keeps the database instance) on <see cref="Task.Run(Action)"/>.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Settings))]
public class DuckDbCallPathBenchmarks
{
    /// <summary>Calls per invocation, shared out between the callers.</summary>
    public const int Calls = 64;

    private const string LookupSql = "SELECT * FROM orders WHERE order_id = $id";
    private const string RowsSql = "SELECT * FROM orders WHERE order_id >= $id ORDER BY order_id LIMIT 2048";

    private string _root = null!;
    private ServiceProvider _services = null!;
    private DuckDbExecutor _executor = null!;
    private DuckDbDataSource _dataSource = null!;
    private string _sql = null!;

    [Params("lookup", "rows2048")]
    public string Query { get; set; } = "lookup";

    [Params(1, 8)]
    public int Callers { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        _root = Directory.CreateTempSubdirectory("mxcp-bench-callpath").FullName;
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
        _dataSource = _services.GetRequiredService<DuckDbDataSource>();
        _executor.QueryAsync(OrdersTable.CreateSql(100_000)).AsTask().GetAwaiter().GetResult();
        _sql = Query == "lookup" ? LookupSql : RowsSql;

        // Both paths must answer the same rows.
        var ours = OursOnTaskRun().GetAwaiter().GetResult();
        var theirs = DuckDBCommandOpenPerCall().GetAwaiter().GetResult();
        if (ours != theirs || ours != Calls * (Query == "lookup" ? 1 : 2048))
        {
            throw new InvalidOperationException($"The paths disagree: {ours} rows against {theirs}");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _executor.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _services.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    public Task<long> Executor() => Run(async id => (await _executor.QueryAsync(_sql, Parameters(id))).Count);

    [Benchmark(OperationsPerInvoke = Calls)]
    public Task<long> OursOnTaskRun() => Run(async id =>
    {
        using var lease = await _executor.Pool.RentAsync(null, CancellationToken.None);
        return await Task.Run(() => lease.Connection.Execute(_sql, Parameters(id), CancellationToken.None).Count);
    });

    [Benchmark(OperationsPerInvoke = Calls)]
    public Task<long> DuckDBCommandOnOurThread() => Run(async id =>
    {
        using var lease = await _executor.Pool.RentAsync(null, CancellationToken.None);
        return await lease.Connection.RunAsync(c => ReadWithCommand(c.Connection, id).Count, CancellationToken.None);
    });

    [Benchmark(OperationsPerInvoke = Calls)]
    public Task<long> DuckDBCommandOnTaskRun() => Run(async id =>
    {
        using var lease = await _executor.Pool.RentAsync(null, CancellationToken.None);
        return await Task.Run(() => ReadWithCommand(lease.Connection.Connection, id).Count);
    });

    [Benchmark(OperationsPerInvoke = Calls)]
    public Task<long> DuckDBCommandOpenPerCall() => Run(id => Task.Run(() =>
    {
        using var connection = _dataSource.OpenConnection();
        return ReadWithCommand(connection, id).Count;
    }));

    private static Dictionary<string, object?> Parameters(long id) => new() { ["id"] = id };

    /// <summary>The rows as the executor returns them, read through DuckDB.NET's ADO.NET layer.</summary>
    private JsonArray ReadWithCommand(DuckDBConnection connection, long id)
    {
        using var command = connection.CreateCommand();
        command.CommandText = _sql;
        command.UseStreamingMode = true;
        command.Parameters.Add(new DuckDBParameter("id", id));
        using var reader = command.ExecuteReader();
        var names = new string[reader.FieldCount];
        for (var c = 0; c < names.Length; c++)
        {
            names[c] = reader.GetName(c);
        }

        var rows = new JsonArray();
        while (reader.Read())
        {
            var row = new JsonObject();
            for (var c = 0; c < names.Length; c++)
            {
                row.Add(names[c], reader.IsDBNull(c) ? null : reader.GetValue(c) switch
                {
                    long l => JsonValue.Create(l),
                    int i => JsonValue.Create((long)i),
                    decimal m => JsonValue.Create(m),
                    double d => JsonValue.Create(d),
                    bool b => JsonValue.Create(b),
                    DateTime t => JsonValue.Create(t.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFF", System.Globalization.CultureInfo.InvariantCulture).TrimEnd('.')),
                    string s => JsonValue.Create(s),
                    var other => JsonValue.Create(Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture)),
                });
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary><see cref="Calls"/> calls by <see cref="Callers"/> concurrent callers, each on its own ids; the rows read.</summary>
    private async Task<long> Run(Func<long, Task<int>> call)
    {
        var perCaller = Calls / Callers;
        var callers = new Task<long>[Callers];
        for (var caller = 0; caller < Callers; caller++)
        {
            var first = caller * perCaller;
            callers[caller] = Task.Run(async () =>
            {
                long rows = 0;
                for (var i = first; i < first + perCaller; i++)
                {
                    rows += await call(1 + (i * 7919L % 90000));
                }

                return rows;
            });
        }

        return (await Task.WhenAll(callers)).Sum();
    }

    /// <summary>A medium run: enough iterations for stable means on a shared machine without taking an hour.</summary>
    private sealed class Settings : ManualConfig
    {
        public Settings() => AddJob(Job.Default.WithWarmupCount(4).WithIterationCount(12).WithLaunchCount(1));
    }
}
