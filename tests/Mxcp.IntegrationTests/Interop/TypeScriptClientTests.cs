using System.Text.Json;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Interop;

/// <summary>A second, independent MCP client: the official TypeScript SDK (from npm) against `mxcp serve`.</summary>
public sealed class TypeScriptClientTests(SalesSampleFixture sample) : IClassFixture<SalesSampleFixture>
{
    [Fact]
    public async Task TypeScriptSdkClient_UsesEveryPrimitive()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = await NodeTools.InstallAsync(Path.Combine(AppContext.BaseDirectory, "Interop", "ts-client"), "ts-interop", ct);
        await using var server = await ServeProcess.StartAsync(sample.Project);

        var run = await NodeTools.RunAsync("node", ["client.mjs", server.Endpoint.ToString()], client, TimeSpan.FromMinutes(2), ct);
        Assert.True(run.ExitCode == 0, run.ToString());
        var seen = JsonDocument.Parse(run.Stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.NotEqual(JsonValueKind.Null, seen.GetProperty("sessionId").ValueKind);
        Assert.Equal(["get_customer", "monthly_revenue", "order_details", "search_customers", "top_products"], seen.GetProperty("tools").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(2, seen.GetProperty("topProducts").GetInt32());
        Assert.False(seen.GetProperty("callIsError").GetBoolean());
        Assert.True(seen.GetProperty("invalidIsError").GetBoolean());
        Assert.StartsWith("Error validating parameter 'since'", seen.GetProperty("invalidText").GetString());
        Assert.Equal(42, seen.GetProperty("customerId").GetInt32());
        Assert.Equal(["sales://customers/{customer_id}"], seen.GetProperty("templates").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(2, seen.GetProperty("promptMessages").GetInt32());
    }
}
