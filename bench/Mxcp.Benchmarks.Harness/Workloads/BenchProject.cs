using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Benchmarks.Harness.Processes;

namespace Mxcp.Benchmarks.Harness.Workloads;

/// <summary>
/// The benchmark's MXCP project and data: 1,000,000 orders of 100,000 customers generated inside DuckDB (deterministic:
/// values come from <c>hash()</c> of the row number), 1,000 tools (the workload tools plus filler tools for
/// <c>tools/list</c>), <c>catalog.json</c> for the servers that are not Mxcp, and an MCP Toolbox configuration.
/// </summary>
internal sealed class BenchProject
{
    /// <summary>Tools registered on every server (the <c>tools/list</c> workload lists them all).</summary>
    public const int ToolCount = 1000;

    public const long LookupOrderId = 424242;

    public const string AggregateStatus = "shipped";

    private const string FillerPrefix = "catalog_tool_";

    /// <summary>The dataset. Changing it changes its hash, which regenerates the database on the next run.</summary>
    public const string DatasetSql = """
        -- bench/run.sh dataset: deterministic (hash() of the row number), 100,000 customers and 1,000,000 orders.
        CREATE OR REPLACE TABLE customers AS
        SELECT i AS customer_id,
               'Customer ' || i AS name,
               ['US', 'DE', 'FR', 'GB', 'NL', 'ES', 'IT', 'CA', 'JP', 'BR'][1 + (hash(i * 17) % 10)::INT] AS country,
               ['standard', 'gold', 'platinum'][1 + (hash(i * 19) % 3)::INT] AS tier
        FROM range(1, 100001) t(i);

        CREATE OR REPLACE TABLE orders AS
        SELECT i AS order_id,
               1 + (hash(i * 41) % 100000)::INT AS customer_id,
               TIMESTAMP '2024-01-01' + INTERVAL (hash(i * 43) % (365 * 24 * 60)) MINUTE AS ordered_at,
               ['delivered', 'delivered', 'delivered', 'shipped', 'cancelled'][1 + (hash(i * 47) % 5)::INT] AS status,
               (1 + hash(i * 53) % 50000 / 100.0)::DECIMAL(10, 2) AS amount
        FROM range(1, 1000001) t(i);

        SELECT (SELECT count(*) FROM customers) AS customers, (SELECT count(*) FROM orders) AS orders;
        """;

    private const string LookupSql = "SELECT order_id, customer_id, ordered_at, status, amount FROM orders WHERE order_id = $order_id";

    private const string AggregateSql =
        "SELECT c.country, count(*) AS orders, sum(o.amount) AS revenue FROM orders o JOIN customers c ON c.customer_id = o.customer_id " +
        "WHERE o.status = $status GROUP BY c.country ORDER BY revenue DESC, c.country";

    private const string TrivialSql = "SELECT 1 AS one";

    /// <summary>The first 100,000 orders (about 9 MB of JSON rows); no answer but a complete one contains "100000".</summary>
    private const string LargeResultSql =
        "SELECT order_id, customer_id, ordered_at, status, amount FROM orders WHERE order_id < 100001 ORDER BY order_id";

    /// <summary>Rows in the answer of the large-result workload.</summary>
    public const int LargeResultRows = 100_000;

    /// <summary>
    /// The large result takes a third of a second or more per call: its windows last at least this long, so that the
    /// quick run's one-second windows complete enough calls too.
    /// </summary>
    public const int LargeResultWindowSeconds = 10;

    /// <summary>
    /// One caller, each call timed to its last byte: the median of five or more such calls is a measurement (its p95 and
    /// p99 are then close to the slowest call).
    /// </summary>
    public const int LargeResultMinimumRequests = 5;

    private const string PythonSource = """
        # The Python tool of bench/run.sh: a trivial function, to measure the Python plugin's round trip.


        def python_echo(order_id: int) -> dict:
            return {"order_id": order_id, "echo": True}
        """;

    private BenchProject(string root, IReadOnlyList<CatalogTool> tools, IReadOnlyList<Workload> workloads)
    {
        Root = root;
        Tools = tools;
        Workloads = workloads;
    }

    public string Root { get; }

    /// <summary>The database every server opens (the project's <c>profiles.bench.duckdb.path</c>).</summary>
    public string DatabasePath => Path.Combine(Root, "data", "bench.duckdb");

    public string CatalogPath => Path.Combine(Root, "catalog.json");

    public IReadOnlyList<CatalogTool> Tools { get; }

    public IReadOnlyList<Workload> Workloads { get; }

    public static Workload LookupWorkload(string expect) => new(
        "lookup", "point lookup (SQL)", "lookup_order", new JsonObject { ["order_id"] = LookupOrderId }, expect, LookupSql);

    /// <summary>
    /// Writes the project and catalog, generates the dataset when it is missing or changed, and reads from the
    /// database the values that good answers contain.
    /// </summary>
    public static async Task<BenchProject> PrepareAsync(string root, string mxcp, Action<string> log, CancellationToken cancellationToken)
    {
        var tools = Catalog(ToolCount, includeWorkloadTools: true);
        WriteProject(root, "bench", tools);
        await File.WriteAllTextAsync(Path.Combine(root, "catalog.json"),
            new JsonObject { ["tools"] = new JsonArray([.. tools.Select(t => (JsonNode)t.ToJson())]) }.ToJsonString(), cancellationToken);

        var databasePath = Path.Combine(root, "data", "bench.duckdb");
        var stamp = Path.Combine(root, "data", "dataset-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(DatasetSql)))[..16]);
        if (!File.Exists(stamp) || !File.Exists(databasePath))
        {
            log("generating the dataset (100,000 customers, 1,000,000 orders) inside DuckDB");
            foreach (var old in Directory.GetFiles(Path.Combine(root, "data")))
            {
                File.Delete(old);
            }

            await File.WriteAllTextAsync(Path.Combine(root, "setup.sql"), DatasetSql, cancellationToken);
            await ProcessRunner.RunCheckedAsync(ProcessRunner.StartInfo(mxcp, ["query", "--file", "setup.sql"], root), TimeSpan.FromMinutes(5), cancellationToken);
            await File.WriteAllTextAsync(stamp, DateTimeOffset.UtcNow.ToString("O"), cancellationToken);
        }

        var customer = await QueryScalarAsync(mxcp, root, $"SELECT customer_id FROM orders WHERE order_id = {LookupOrderId}", cancellationToken);
        var topCountryOrders = await QueryScalarAsync(mxcp, root,
            AggregateSql.Replace("$status", $"'{AggregateStatus}'", StringComparison.Ordinal) + " LIMIT 1", cancellationToken, column: "orders");
        // The large result comes first: its target is the RSS it adds to a started server, which the other workloads
        // (DuckDB's buffer cache after the aggregation, the heap after 32 concurrent tools/list) would raise beforehand.
        var workloads = new List<Workload>
        {
            new("rows100k", "100,000-row result (SQL), time to last byte", "large_result", [], LargeResultRows.ToString(CultureInfo.InvariantCulture), LargeResultSql, [1])
            {
                MinimumWindowSeconds = LargeResultWindowSeconds,
                MinimumRequests = LargeResultMinimumRequests,
                TimeToLastByte = true,
            },
            LookupWorkload(customer),
            new("aggregate", "aggregation over 1M orders (SQL)", "revenue_by_country", new JsonObject { ["status"] = AggregateStatus }, topCountryOrders, AggregateSql),
            new("trivial", "select 1 (SQL)", "select_one", [], "one", TrivialSql),
            new("list", $"tools/list, {ToolCount} tools", null, null, FillerName(ToolCount - 1), null),
            new("python", "Python tool (echo)", "python_echo", new JsonObject { ["order_id"] = LookupOrderId }, "echo", null),
        };
        return new BenchProject(root, tools, workloads);
    }

    /// <summary>
    /// <paramref name="count"/> tools: with <paramref name="includeWorkloadTools"/> the workload tools first, then
    /// filler tools (<c>SELECT $x + n</c>) up to the count.
    /// </summary>
    public static IReadOnlyList<CatalogTool> Catalog(int count, bool includeWorkloadTools)
    {
        var tools = new List<CatalogTool>();
        if (includeWorkloadTools)
        {
            tools.Add(new CatalogTool("lookup_order", "One order by its id: a point lookup in 1,000,000 orders.", "sql", LookupSql,
                [new CatalogParameter("order_id", "integer", "The order id (1-1000000).")]));
            tools.Add(new CatalogTool("revenue_by_country", "Orders and revenue per customer country for one order status: an aggregation over 1,000,000 orders.", "sql", AggregateSql,
                [new CatalogParameter("status", "string", "The order status: delivered, shipped or cancelled.")]));
            tools.Add(new CatalogTool("select_one", "Returns 1: the trivial query.", "sql", TrivialSql, []));
            tools.Add(new CatalogTool("large_result", "The first 100,000 orders: a large result.", "sql", LargeResultSql, []));
            tools.Add(new CatalogTool("python_echo", "Echoes the order id from Python: the Python plugin's round trip.", "python", "python_echo",
                [new CatalogParameter("order_id", "integer", "Any order id.")]));
        }

        for (var i = tools.Count; i < count; i++)
        {
            tools.Add(new CatalogTool(FillerName(i),
                $"Filler tool {i} of the tools/list workload: adds {i} to x. Registered so that servers list {count} tools.",
                "sql", $"SELECT $x + {i} AS v", [new CatalogParameter("x", "integer", "Any integer.")]));
        }

        return tools;
    }

    /// <summary>Writes an MXCP project (<c>mxcp-site.yml</c>, one YAML file per tool, the Python module).</summary>
    public static void WriteProject(string root, string name, IReadOnlyList<CatalogTool> tools)
    {
        var toolsFolder = Path.Combine(root, "tools");
        if (Directory.Exists(toolsFolder))
        {
            Directory.Delete(toolsFolder, recursive: true);
        }

        Directory.CreateDirectory(toolsFolder);
        Directory.CreateDirectory(Path.Combine(root, "data"));
        File.WriteAllText(Path.Combine(root, "mxcp-site.yml"), $"""
            mxcp: 1
            project: {name}
            profile: bench
            profiles:
              bench:
                duckdb:
                  path: data/bench.duckdb
                audit:
                  enabled: false
            """ + "\n");
        if (tools.Any(t => t.Language == "python"))
        {
            Directory.CreateDirectory(Path.Combine(root, "python"));
            File.WriteAllText(Path.Combine(root, "python", "bench_tools.py"), PythonSource + "\n");
        }

        foreach (var tool in tools)
        {
            File.WriteAllText(Path.Combine(toolsFolder, tool.Name + ".yml"), ToolYaml(tool));
        }
    }

    /// <summary>
    /// Writes the project of <see cref="Orchestration.ServerIds.MxcpHop"/>: no endpoints of its own, the measured mxcp
    /// at <paramref name="upstream"/> as an upstream with an empty prefix (its tools keep their names), audit off like
    /// the bench project, and the bench database opened read-only (the server opens its profile's database).
    /// </summary>
    public static string WriteHopProject(string root, Uri upstream, string databasePath)
    {
        Directory.CreateDirectory(root);
        File.WriteAllText(Path.Combine(root, "mxcp-site.yml"), $"""
            mxcp: 1
            project: hop
            profile: bench
            profiles:
              bench:
                duckdb:
                  path: {JsonSerializer.Serialize(databasePath)}
                audit:
                  enabled: false
            upstreams:
              direct:
                url: {JsonSerializer.Serialize(upstream.ToString())}
                prefix: ""
                timeout: 60
            """ + "\n");
        return root;
    }

    public static string FillerName(int index) => FillerPrefix + index.ToString("0000", CultureInfo.InvariantCulture);

    private static string ToolYaml(CatalogTool tool)
    {
        var yaml = new StringBuilder();
        yaml.Append("mxcp: 1\ntool:\n");
        yaml.Append(CultureInfo.InvariantCulture, $"  name: {tool.Name}\n");
        yaml.Append(CultureInfo.InvariantCulture, $"  description: {JsonSerializer.Serialize(tool.Description)}\n");
        if (tool.Parameters.Count > 0)
        {
            yaml.Append("  parameters:\n");
            foreach (var parameter in tool.Parameters)
            {
                yaml.Append(CultureInfo.InvariantCulture, $"    - name: {parameter.Name}\n      type: {parameter.Type}\n      description: {JsonSerializer.Serialize(parameter.Description)}\n");
            }
        }

        if (tool.Language == "python")
        {
            yaml.Append("  language: python\n  source:\n    file: ../python/bench_tools.py\n");
        }
        else
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  source:\n    code: {JsonSerializer.Serialize(tool.Source)}\n");
        }

        return yaml.ToString();
    }

    private static async Task<string> QueryScalarAsync(string mxcp, string root, string sql, CancellationToken cancellationToken, string? column = null)
    {
        var output = await ProcessRunner.RunCheckedAsync(
            ProcessRunner.StartInfo(mxcp, ["query", "--readonly", "--json-output", sql], root), TimeSpan.FromMinutes(2), cancellationToken);
        var rows = JsonNode.Parse(output)?["result"]?.AsArray() ?? throw new InvalidOperationException($"mxcp query printed no result: {output}");
        var row = rows.FirstOrDefault()?.AsObject() ?? throw new InvalidOperationException($"mxcp query returned no row for: {sql}");
        var value = column is null ? row.First().Value : row[column];
        return value?.ToJsonString() ?? throw new InvalidOperationException($"mxcp query returned null for: {sql}");
    }
}
