using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Plugins.Upstream.Configuration;
using Mxcp.Plugins.Upstream.Supervision;

namespace Mxcp.Plugins.Upstream.Tests;

#pragma warning disable MCP9005 // Sampling and roots: the requests forwarded.

public sealed class ClientRequestRouterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An upstream in memory and our connection to it, declaring what <paramref name="forward"/> lets through.</summary>
    private static async Task<(McpServer Upstream, McpClient Client)> ConnectAsync(UpstreamForwardSettings forward)
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var upstream = McpServer.Create(new StreamServerTransport(toServer.Reader.AsStream(), toClient.Writer.AsStream()),
            new McpServerOptions { ServerInfo = new Implementation { Name = "upstream", Version = "1" } });
        _ = upstream.RunAsync(Ct);
        var router = new ClientRequestRouter("research", NullLogger.Instance);
        var transport = new ProgressRoutingTransport(new StreamClientTransport(toServer.Writer.AsStream(), toClient.Reader.AsStream()),
            new ConcurrentDictionary<string, IProgress<ProgressNotificationValue>>(), request => router.RefuseUndeclared(request, forward));
        var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = "2025-11-25", Handlers = router.Handlers(forward) }, cancellationToken: Ct);
        return (upstream, client);
    }

    private static async Task<McpProtocolException> RequestAsync(McpServer upstream, string method, string parameters) =>
        await Assert.ThrowsAsync<McpProtocolException>(() => upstream.SendRequestAsync(
            new JsonRpcRequest { Method = method, Params = JsonNode.Parse(parameters) }, Ct));

    [Fact]
    public async Task Connect_ForwardSettings_OnlyTheForwardedClientCapabilitiesAreDeclared()
    {
        var (upstream, client) = await ConnectAsync(new UpstreamForwardSettings(Sampling: true, Elicitation: false, Roots: true));
        await using var _u = upstream;
        await using var _c = client;

        Assert.NotNull(upstream.ClientCapabilities?.Sampling);
        Assert.NotNull(upstream.ClientCapabilities?.Roots);
        Assert.Null(upstream.ClientCapabilities?.Elicitation);
    }

    [Fact]
    public async Task Request_KindNotForwarded_AnsweredWithErrorNamingTheSetting()
    {
        var (upstream, client) = await ConnectAsync(new UpstreamForwardSettings(Sampling: true, Elicitation: false, Roots: false));
        await using var _u = upstream;
        await using var _c = client;

        var e = await RequestAsync(upstream, RequestMethods.ElicitationCreate, """{"message": "Your name?", "requestedSchema": {"type": "object", "properties": {}}}""");
        Assert.Equal(McpErrorCode.MethodNotFound, e.ErrorCode);
        Assert.Contains("Mxcp did not forward 'elicitation/create' to its client: forwarding elicitation requests is not enabled for upstream 'research' (its 'forward' setting)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_NoCallInProgress_RefusedRatherThanSentToAnyClient()
    {
        var (upstream, client) = await ConnectAsync(new UpstreamForwardSettings(Sampling: true, Elicitation: true, Roots: true));
        await using var _u = upstream;
        await using var _c = client;

        var e = await RequestAsync(upstream, RequestMethods.RootsList, "{}");
        Assert.Contains("Mxcp did not forward 'roots/list' to its client: no call of Mxcp to this upstream is in progress", e.Message, StringComparison.Ordinal);
    }
}
