using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Mxcp.Plugins.Upstream.Configuration;
using Mxcp.Plugins.Upstream.Supervision;

namespace Mxcp.Plugins.Upstream.Tests;

public sealed class UpstreamHubServeToolsTests
{
    private static UpstreamConnection Connection(string name, string prefix) =>
        new(new UpstreamSettings { Name = name, Url = new Uri("http://127.0.0.1:9/mcp"), Prefix = prefix, Enabled = false }, NullLoggerFactory.Instance);

    private static UpstreamTool Tool(string name) =>
        new(name, $"The tool {name}.", JsonDocument.Parse($$$"""{"name":"{{{name}}}","inputSchema":{"type":"object"}}""").RootElement, "sha256:" + name);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServeTools_TwoUpstreamsServingTheSameName_FirstByNameWinsLoserReportedNamingBoth(bool loserFirst)
    {
        await using var a = Connection("a", "x_");
        await using var b = Connection("b", "x_o");
        (UpstreamConnection, IReadOnlyList<UpstreamTool>)[] candidates = [(a, [Tool("orders"), Tool("ping")]), (b, [Tool("rders"), Tool("pong")])];
        var notServed = new List<NotServedItem>();

        var served = UpstreamHub.ServeTools(loserFirst ? candidates.Reverse() : candidates, notServed);

        Assert.Equal(["x_opong", "x_orders", "x_ping"], served.Keys.Order(StringComparer.Ordinal));
        Assert.Same(a, served["x_orders"].Connection);
        Assert.Equal("orders", served["x_orders"].Endpoint.Metadata!.Value.GetProperty("upstream_tool").GetString());
        var item = Assert.Single(notServed);
        Assert.Equal(("b", "tool", "rders"), (item.Upstream, item.Kind, item.Name));
        Assert.Equal("the tool 'x_orders' (tool 'rders' of upstream 'b') has the same served name as tool 'orders' of upstream 'a' (give one of them another prefix)", item.Reason);
    }

    [Fact]
    public async Task ServeTools_ServedNameNotAValidToolName_NotServedWithTheReason()
    {
        await using var a = Connection("a", "a_");
        var notServed = new List<NotServedItem>();

        var served = UpstreamHub.ServeTools([(a, [Tool("has space"), Tool("ok")])], notServed);

        Assert.Equal(["a_ok"], served.Keys);
        var item = Assert.Single(notServed);
        Assert.Equal("has space", item.Name);
        Assert.Contains("'a_has space', which is not a valid MCP tool name", item.Reason, StringComparison.Ordinal);
    }
}
