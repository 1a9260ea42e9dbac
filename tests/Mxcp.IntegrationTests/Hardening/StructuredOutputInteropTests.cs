using System.Text.Json;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Hardening;

/// <summary>
/// Every sample tool through the official TypeScript SDK client and the MCP Inspector's CLI, which both reject
/// structuredContent that does not validate against the advertised outputSchema (formats included): naive
/// timestamps, masked fields and Python results must all be what the schema promises.
/// </summary>
public sealed class StructuredOutputInteropTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly (string Tool, string[] Arguments)[] SalesCalls =
    [
        ("get_customer", ["customer_id=42"]),
        ("order_details", ["order_id=7"]),
        ("monthly_revenue", ["year=2024"]),
        ("search_customers", ["name=a"]),
        ("top_products", ["since=2024-01-01", "limit=3"]),
    ];

    private static readonly (string Tool, string[] Arguments)[] PythonDemoCalls =
    [
        ("inventory_status", []),
        ("price_report", ["categories=[\"hardware\",\"garden\"]"]),
        ("price_stats", ["category=hardware"]),
        ("search_products", ["category=garden"]),
        ("whoami", []),
        ("worker_events", []),
    ];

    private static TestProject PythonDemo()
    {
        var project = TestProject.Sample("python-demo");
        project.Environment["MXCP_CONFIG"] = Path.Combine(project.Root, "config.yml");
        return project;
    }

    private static async Task<JsonElement> CallAllAsync(TestProject project, (string Tool, string[] Arguments)[] calls)
    {
        var client = await NodeTools.InstallAsync(Path.Combine(AppContext.BaseDirectory, "Interop", "ts-client"), "ts-interop", Ct);
        var callsFile = Path.Combine(project.Root, "calls.json");
        var json = calls.Select(c => new
        {
            tool = c.Tool,
            arguments = c.Arguments.ToDictionary(a => a.Split('=', 2)[0], a => ArgumentValue(a.Split('=', 2)[1])),
        });
        await File.WriteAllTextAsync(callsFile, JsonSerializer.Serialize(json), Ct);
        await using var server = await ServeProcess.StartAsync(project);

        var run = await NodeTools.RunAsync("node", ["call-all.mjs", server.Endpoint.ToString(), callsFile], client, TimeSpan.FromMinutes(2), Ct);
        Assert.True(run.ExitCode == 0, run.ToString());
        return JsonDocument.Parse(run.Stdout.Trim().Split('\n')[^1]).RootElement.Clone();
    }

    private static JsonElement ArgumentValue(string text)
    {
        try
        {
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(text);
        }
    }

    /// <summary>Runs `mcp-inspector --cli` once per call; each must exit 0 with structured content.</summary>
    private static async Task AssertInspectorAcceptsAsync(TestProject project, (string Tool, string[] Arguments)[] calls)
    {
        var inspector = await NodeTools.InstallAsync(Path.Combine(AppContext.BaseDirectory, "Interop", "inspector"), "inspector-interop", Ct);
        var launcher = Path.Combine(inspector, "node_modules", "@modelcontextprotocol", "inspector", "clients", "launcher", "build", "index.js");
        var home = Path.Combine(project.Root, ".inspector-home");
        Directory.CreateDirectory(home);
        await using var server = await ServeProcess.StartAsync(project);
        var failures = new List<string>();
        foreach (var (tool, arguments) in calls)
        {
            List<string> args = [launcher, "--cli", server.Endpoint.ToString(), "--method", "tools/call", "--tool-name", tool];
            if (arguments.Length > 0)
            {
                args.Add("--tool-arg");
                args.AddRange(arguments);
            }

            var run = await NodeTools.RunAsync("node", args, inspector, TimeSpan.FromMinutes(2), Ct, new Dictionary<string, string> { ["HOME"] = home });
            if (run.ExitCode != 0 || !run.Stdout.Contains("\"structuredContent\"", StringComparison.Ordinal))
            {
                failures.Add($"{tool}: {run}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static void AssertAllSucceeded(JsonElement seen, int expected)
    {
        var outcomes = seen.GetProperty("outcomes").EnumerateArray().ToList();
        Assert.Equal(expected, outcomes.Count);
        var failures = outcomes.Where(o => !o.GetProperty("ok").GetBoolean()).Select(o => o.ToString()).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task SalesSample_EveryToolValidatesInTheTypeScriptClient()
    {
        using var project = TestProject.Sample("sales");

        var seen = await CallAllAsync(project, SalesCalls);

        Assert.Equal(["get_customer", "monthly_revenue", "order_details", "search_customers", "top_products"], seen.GetProperty("tools").EnumerateArray().Select(t => t.GetString()));
        AssertAllSucceeded(seen, 5);
        var outcomes = seen.GetProperty("outcomes");
        var customer = outcomes[0].GetProperty("structured");
        Assert.Equal("****", customer.GetProperty("email").GetString());
        Assert.EndsWith("Z", customer.GetProperty("last_order_at").GetString());
        Assert.EndsWith("Z", outcomes[1].GetProperty("structured").GetProperty("ordered_at").GetString());
    }

    [Fact]
    public async Task PythonDemo_EveryToolValidatesInTheTypeScriptClient()
    {
        using var project = PythonDemo();

        var seen = await CallAllAsync(project, PythonDemoCalls);

        Assert.Equal(["inventory_status", "price_report", "price_stats", "search_products", "whoami", "worker_events"], seen.GetProperty("tools").EnumerateArray().Select(t => t.GetString()));
        AssertAllSucceeded(seen, 6);
    }

    [Fact]
    public async Task SalesSample_EveryToolValidatesInTheInspectorCli()
    {
        using var project = TestProject.Sample("sales");

        await AssertInspectorAcceptsAsync(project, SalesCalls);
    }

    [Fact]
    public async Task PythonDemo_EveryToolValidatesInTheInspectorCli()
    {
        using var project = PythonDemo();

        await AssertInspectorAcceptsAsync(project, PythonDemoCalls);
    }
}
