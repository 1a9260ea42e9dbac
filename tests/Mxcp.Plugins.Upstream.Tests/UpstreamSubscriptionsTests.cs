using System.IO.Pipelines;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Plugins.Upstream.Supervision;

namespace Mxcp.Plugins.Upstream.Tests;

public sealed class UpstreamSubscriptionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An MCP server in memory with resources, subscribable or not, and the client connected to it.</summary>
    private static async Task<(McpServer Server, McpClient Client, List<string> Subscribed)> ConnectAsync(bool subscribable)
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var subscribed = new List<string>();
        var options = new McpServerOptions
        {
            ServerInfo = new Implementation { Name = "upstream", Version = "1" },
            Capabilities = new ServerCapabilities { Resources = new ResourcesCapability { Subscribe = subscribable } },
            Handlers = new McpServerHandlers
            {
                ListResourcesHandler = (_, _) => ValueTask.FromResult(new ListResourcesResult { Resources = [new Resource { Uri = "demo://a", Name = "a" }] }),
                ReadResourceHandler = (_, _) => ValueTask.FromResult(new ReadResourceResult { Contents = [new TextResourceContents { Uri = "demo://a", Text = "a" }] }),
            },
        };
        if (subscribable)
        {
            options.Handlers.SubscribeToResourcesHandler = (request, _) =>
            {
                lock (subscribed)
                {
                    subscribed.Add("+" + request.Params!.Uri);
                }

                return ValueTask.FromResult(new EmptyResult());
            };
            options.Handlers.UnsubscribeFromResourcesHandler = (request, _) =>
            {
                lock (subscribed)
                {
                    subscribed.Add("-" + request.Params!.Uri);
                }

                return ValueTask.FromResult(new EmptyResult());
            };
        }

        var server = McpServer.Create(new StreamServerTransport(toServer.Reader.AsStream(), toClient.Writer.AsStream()), options);
        _ = server.RunAsync(Ct);
        var client = await McpClient.CreateAsync(new StreamClientTransport(toServer.Writer.AsStream(), toClient.Reader.AsStream()),
            new McpClientOptions { ProtocolVersion = "2025-11-25" }, cancellationToken: Ct);
        return (server, client, subscribed);
    }

    [Fact]
    public async Task AddAsync_UpstreamWithoutSubscribeCapability_RefusedSayingWhy()
    {
        var (server, client, _) = await ConnectAsync(subscribable: false);
        await using var _s = server;
        await using var _c = client;
        var subscriptions = new UpstreamSubscriptions("files", NullLogger.Instance);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => subscriptions.AddAsync(client, "demo://a", _ => default, () => client, Ct).AsTask());
        Assert.Equal("upstream 'files' does not support resource subscriptions (it does not declare resources.subscribe)", e.Message);
    }

    [Fact]
    public async Task AddAsync_TwoSubscribers_UpstreamSubscribedOnceUpdatesReachBothReleasedByTheLast()
    {
        var (server, client, subscribed) = await ConnectAsync(subscribable: true);
        await using var _s = server;
        await using var _c = client;
        var subscriptions = new UpstreamSubscriptions("files", NullLogger.Instance);
        var got = new List<string>();
        ValueTask Updated(string who, string uri)
        {
            lock (got)
            {
                got.Add($"{who} {uri}");
            }

            return default;
        }

        var first = await subscriptions.AddAsync(client, "demo://a", uri => Updated("first", uri), () => client, Ct);
        var second = await subscriptions.AddAsync(client, "demo://a", uri => Updated("second", uri), () => client, Ct);
        Assert.Equal(["+demo://a"], subscribed);

        subscriptions.OnUpdated(new JsonRpcNotification
        {
            Method = NotificationMethods.ResourceUpdatedNotification,
            Params = System.Text.Json.Nodes.JsonNode.Parse("""{"uri": "demo://a"}"""),
        });
        Assert.Equal(["first demo://a", "second demo://a"], got.Order(StringComparer.Ordinal));

        await first.DisposeAsync();
        Assert.Equal(["+demo://a"], subscribed);
        await second.DisposeAsync();
        Assert.Equal(["+demo://a", "-demo://a"], subscribed);
    }
}
