using System.Text.Json.Nodes;
using Mxcp.Benchmarks.Harness.Workloads;

namespace Mxcp.Benchmarks.Tests.Workloads;

public sealed class McpRequestTests
{
    private static readonly Workload Lookup = BenchProject.LookupWorkload("81731");

    [Fact]
    public void ToRequestFile_2025ToolCall_HeadersThenEmptyLineThenBody()
    {
        var file = McpRequest.For(Lookup, McpRequest.Protocol2025).ToRequestFile();

        var (head, body) = (file[..file.IndexOf("\n\n", StringComparison.Ordinal)], file[(file.IndexOf("\n\n", StringComparison.Ordinal) + 2)..]);
        Assert.Equal(["Content-Type: application/json", "Accept: application/json, text/event-stream", "MCP-Protocol-Version: 2025-11-25"], head.Split('\n'));
        Assert.Equal("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"lookup_order","arguments":{"order_id":424242}}}""", body);
    }

    [Fact]
    public void For_2026ToolCall_CarriesMethodAndNameHeadersAndMeta()
    {
        var request = McpRequest.For(Lookup, McpRequest.Protocol2026);

        Assert.Contains(new KeyValuePair<string, string>("Mcp-Method", "tools/call"), request.Headers);
        Assert.Contains(new KeyValuePair<string, string>("Mcp-Name", "lookup_order"), request.Headers);
        Assert.Contains(new KeyValuePair<string, string>("MCP-Protocol-Version", "2026-07-28"), request.Headers);
        var meta = JsonNode.Parse(request.Body)!["params"]!["_meta"]!;
        Assert.Equal("2026-07-28", meta["io.modelcontextprotocol/protocolVersion"]!.GetValue<string>());
        Assert.IsType<JsonObject>(meta["io.modelcontextprotocol/clientCapabilities"]);
    }

    [Fact]
    public void For_ToolsList2026_HasNoNameHeader()
    {
        var list = new Workload("list", "tools/list", null, null, "catalog_tool_0999", null);

        var request = McpRequest.For(list, McpRequest.Protocol2026);

        Assert.DoesNotContain(request.Headers, h => h.Key == "Mcp-Name");
        Assert.Equal("tools/list", JsonNode.Parse(request.Body)!["method"]!.GetValue<string>());
    }

    [Fact]
    public void InSession_SessionId_AddsTheHeaderAndKeepsTheBody()
    {
        var request = McpRequest.For(Lookup, McpRequest.Protocol2025);

        var inSession = request.InSession("abc123");

        Assert.Contains(new KeyValuePair<string, string>("Mcp-Session-Id", "abc123"), inSession.Headers);
        Assert.Equal(request.Headers.Count + 1, inSession.Headers.Count);
        Assert.Equal(request.Body, inSession.Body);
        Assert.DoesNotContain(request.Headers, h => h.Key == "Mcp-Session-Id");
    }

    [Fact]
    public void InSession_EmptyId_LeavesTheRequestWithoutSession()
    {
        var request = McpRequest.For(Lookup, McpRequest.Protocol2025);

        Assert.Same(request, request.InSession(""));
    }
}
