using System.Collections.Concurrent;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Python;

/// <summary>samples/python-demo through `mxcp serve` (the official MCP client over stdio) and `mxcp run`.</summary>
public sealed class PythonEndpointTests(PythonDemoFixture demo) : IClassFixture<PythonDemoFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CallTool_SyncFunctionWithDbExecute_ReturnsTheRows()
    {
        await using var client = await StdioServer.ConnectAsync(demo.Project, Ct);

        var result = await client.CallToolAsync("search_products", new Dictionary<string, object?> { ["category"] = "garden", ["max_price"] = 20 }, cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
        var rows = result.StructuredContent!.Value.GetProperty("result");
        Assert.Equal([22, 28, 1, 7], rows.EnumerateArray().Select(r => r.GetProperty("product_id").GetInt32()));
        Assert.Equal(8.5, rows[0].GetProperty("price").GetDouble());
    }

    [Fact]
    public async Task CallTool_AsyncFunction_SendsLogAndProgressNotificationsToTheClient()
    {
        await using var client = await StdioServer.ConnectAsync(demo.Project, Ct);
        var logs = new ConcurrentQueue<string>();
#pragma warning disable MCP9005 // the logging notification is what 2025 clients receive
        await using var handler = client.RegisterNotificationHandler(NotificationMethods.LoggingMessageNotification, (notification, _) =>
#pragma warning restore MCP9005
        {
            logs.Enqueue(notification.Params!["data"]!.GetValue<string>());
            return ValueTask.CompletedTask;
        });

        // The IProgress passed to CallToolAsync makes the client send a progress token, but the client drops its
        // progress handler as soon as the result is in, and it dispatches notifications concurrently with results;
        // a handler of its own sees every progress notification on the wire, whichever the client processes first.
        var progress = new ConcurrentQueue<string>();
        await using var progressHandler = client.RegisterNotificationHandler(NotificationMethods.ProgressNotification, (notification, _) =>
        {
            var p = notification.Params!;
            progress.Enqueue($"{p["progress"]}/{p["total"]} {p["message"]}");
            return ValueTask.CompletedTask;
        });

        var result = await client.CallToolAsync("price_report", new Dictionary<string, object?>(), new RecordingProgress(), cancellationToken: Ct);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal(["hardware", "garden", "office"], result.StructuredContent!.Value.GetProperty("result").EnumerateArray().Select(r => r.GetProperty("category").GetString()));
        await WaitFor(() => progress.Count == 3 && !logs.IsEmpty);
        // The client runs notification handlers concurrently, so they may see the three in any order.
        Assert.Equal(["1/3 hardware done", "2/3 garden done", "3/3 office done"], progress.Order(StringComparer.Ordinal));
        Assert.Equal(["building a report over 3 categories"], logs);
    }

    [Fact]
    public async Task CallTool_RichValuesAndSecrets_AreReturnedAsJson()
    {
        await using var client = await StdioServer.ConnectAsync(demo.Project, Ct);

        var stats = await client.CallToolAsync("price_stats", new Dictionary<string, object?> { ["category"] = "garden" }, cancellationToken: Ct);
        var status = await client.CallToolAsync("inventory_status", cancellationToken: Ct);

        Assert.NotEqual(true, stats.IsError);
        var s = stats.StructuredContent!.Value;
        Assert.Equal(291.25m, s.GetProperty("total").GetDecimal());
        Assert.Equal("2024-10-02", s.GetProperty("newest").GetString());
        Assert.Equal("2024-12-31T23:59:00+00:00", s.GetProperty("computed_at").GetString());
        Assert.Equal("""{"project":"python-demo","endpoint":"https://inventory.example.com/v1","token_configured":true}""", status.StructuredContent!.Value.GetRawText());
    }

    [Fact]
    public async Task ReadResource_PythonResource_ReturnsTheRecord()
    {
        await using var client = await StdioServer.ConnectAsync(demo.Project, Ct);

        var result = await client.ReadResourceAsync("catalog://products/7", cancellationToken: Ct);

        var text = Assert.IsType<TextResourceContents>(Assert.Single(result.Contents)).Text;
        using var json = JsonDocument.Parse(text);
        Assert.Equal("Gizmo 7", json.RootElement.GetProperty("name").GetString());
        Assert.Equal("2024-03-18", json.RootElement.GetProperty("added_on").GetString());
    }

    [Fact]
    public void Run_UserContextAndRequestHeaders_ReachPython()
    {
        var run = demo.Project.Run("run", "tool", "whoami", "--user-context", """{"username": "ann"}""", "--request-headers", """{"x-tenant": "acme"}""", "--json-output");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("""{"username":"ann","provider":"cli","tenant":"acme","transport":"cli"}""", JsonSerializer.Serialize(JsonDocument.Parse(run.Stdout).RootElement.GetProperty("result")));
    }

    [Fact]
    public async Task Hooks_InitRunsAtStartAndShutdownRunsWhenTheServerStops()
    {
        using var project = TestProject.Sample("python-demo");
        project.Environment["MXCP_CONFIG"] = Path.Combine(project.Root, "config.yml");
        int Count(JsonElement rows, string e) => rows.EnumerateArray().Where(r => r.GetProperty("event").GetString() == e).Select(r => r.GetProperty("times").GetInt32()).FirstOrDefault();

        await using (var client = await StdioServer.ConnectAsync(project, Ct))
        {
            var first = (await client.CallToolAsync("worker_events", cancellationToken: Ct)).StructuredContent!.Value.GetProperty("result");
            Assert.Equal(1, Count(first, "start"));
            Assert.Equal(0, Count(first, "stop"));
        }

        var run = project.Run("run", "tool", "worker_events", "--json-output");
        var after = JsonDocument.Parse(run.Stdout).RootElement.GetProperty("result");
        Assert.Equal(2, Count(after, "start"));
        Assert.Equal(1, Count(after, "stop"));
    }

    [Fact]
    public async Task CallTool_FiftyConcurrentCalls_AllSucceed()
    {
        await using var client = await StdioServer.ConnectAsync(demo.Project, Ct);
        var categories = new[] { "hardware", "garden", "office" };

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            client.CallToolAsync("search_products", new Dictionary<string, object?> { ["category"] = categories[i % 3], ["max_price"] = 10 + i }, cancellationToken: Ct).AsTask()));

        Assert.All(results, r => Assert.NotEqual(true, r.IsError));
        Assert.Equal(50, results.Length);
        Assert.True(results[49].StructuredContent!.Value.GetProperty("result").GetArrayLength() >= results[0].StructuredContent!.Value.GetProperty("result").GetArrayLength());
    }

    internal static async Task WaitFor(Func<bool> condition, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not become true in time");
            await Task.Delay(50);
        }
    }

    private sealed class RecordingProgress : IProgress<ProgressNotificationValue>
    {
        public ConcurrentQueue<ProgressNotificationValue> Values { get; } = new();

        public void Report(ProgressNotificationValue value) => Values.Enqueue(value);
    }
}
