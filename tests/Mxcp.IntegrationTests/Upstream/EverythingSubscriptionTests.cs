using System.Collections.Concurrent;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.IntegrationTests.Support;
using Mxcp.Tests.Shared;

namespace Mxcp.IntegrationTests.Upstream;

/// <summary>
/// <c>resources/subscribe</c> of a resource of <c>@modelcontextprotocol/server-everything</c> through <c>mxcp serve</c>:
/// subscribed upstream once for every session (and again after a restart), its <c>notifications/resources/updated</c> reaching each subscribed
/// session, released upstream when the last session unsubscribes or ends (the requests it is sent are recorded by
/// <c>tee-stdin.mjs</c>).
/// </summary>
public sealed class EverythingSubscriptionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Yaml(string value) => JsonSerializer.Serialize(value);

    private static Task<McpClient> ConnectAsync(ServeProcess server, string name) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = server.Endpoint, TransportMode = HttpTransportMode.StreamableHttp }),
            new McpClientOptions { ProtocolVersion = "2025-11-25", ClientInfo = new() { Name = name, Version = "1" } },
            cancellationToken: Ct);

    private static int Sent(string log, string method, string uri) =>
        EverythingUpstreamTests.Received(log).Count(m => (string?)m["method"] == method && (string?)m["params"]?["uri"] == uri);

    [Fact]
    public async Task Serve_SubscribedUpstreamResource_SubscribedOnceRenewedOnRestartUpdatesReachEachSessionReleasedByTheLast()
    {
        var (serverScript, tee) = await EverythingUpstreamTests.InstallAsync();
        using var front = TestProject.Empty();
        var log = Path.Combine(front.Root, "upstream-stdin.jsonl");
        front.Write("mxcp-site.yml", $"""
            mxcp: 1
            project: front
            profile: dev
            upstreams:
              everything:
                command: [node, {Yaml(tee)}, {Yaml(log)}, {Yaml(serverScript)}, stdio]
                prefix: ev_
                timeout: 60
            """);
        var socket = AdminSocket.NewPath();
        await using var server = await UpstreamTests.WithAdminSocketAsync(front, socket, () => ServeProcess.StartAsync(front));
        using var admin = AdminSocket.Client(socket);
        var first = await ConnectAsync(server, "first");
        var second = await ConnectAsync(server, "second");
        var updates = new ConcurrentDictionary<string, ConcurrentBag<string>>();
        foreach (var (name, client) in (IEnumerable<(string, McpClient)>)[("first", first), ("second", second)])
        {
            updates[name] = [];
            client.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (notification, _) =>
            {
                updates[name].Add(notification.Params.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<ResourceUpdatedNotificationParams>())!.Uri);
                return default;
            });
        }

        List<string> uris = [];
        await UpstreamTests.WaitUntilAsync(async () =>
        {
            uris = [.. (await first.ListResourcesAsync(cancellationToken: Ct)).Select(r => r.Uri).Where(u => u.StartsWith("demo://", StringComparison.Ordinal))];
            return uris.Count > 0;
        }, () => $"the upstream's resources; log:\n{server.Stderr}");
        var uri = uris[0];

        await first.SubscribeToResourceAsync(uri, cancellationToken: Ct);
        await second.SubscribeToResourceAsync(uri, cancellationToken: Ct);
        Assert.Equal(1, Sent(log, "resources/subscribe", uri));

        // A new connection (a new process) is subscribed again.
        using (var restart = await admin.PostAsync("/upstreams/everything/restart", null, Ct))
        {
            Assert.True(restart.IsSuccessStatusCode, await restart.Content.ReadAsStringAsync(Ct));
        }

        await UpstreamTests.WaitUntilAsync(() => Task.FromResult(Sent(log, "resources/subscribe", uri) == 2), () => $"resources/subscribe of {uri} sent to the restarted upstream; log:\n{server.Stderr}", 60);

        // The upstream sends updates of its subscribed resources every 5 s once toggled on.
        var toggled = await first.CallToolAsync("ev_toggle-subscriber-updates", new Dictionary<string, object?>(), cancellationToken: Ct);
        Assert.NotEqual(true, toggled.IsError);
        await UpstreamTests.WaitUntilAsync(() => Task.FromResult(updates["first"].Contains(uri) && updates["second"].Contains(uri)),
            () => $"notifications/resources/updated of {uri} for both sessions; first: {string.Join(", ", updates["first"])}; second: {string.Join(", ", updates["second"])}", 30);

        // One session unsubscribing leaves the upstream subscribed for the other; its end releases it.
        await first.UnsubscribeFromResourceAsync(uri, cancellationToken: Ct);
        updates["first"].Clear();
        var seen = updates["second"].Count;
        await UpstreamTests.WaitUntilAsync(() => Task.FromResult(updates["second"].Count > seen), () => "another update for the second session", 30);
        Assert.Empty(updates["first"]);
        Assert.Equal(0, Sent(log, "resources/unsubscribe", uri));

        await second.DisposeAsync();
        await UpstreamTests.WaitUntilAsync(() => Task.FromResult(Sent(log, "resources/unsubscribe", uri) == 1), () => $"resources/unsubscribe of {uri} sent upstream; log:\n{server.Stderr}", 30);
        await first.DisposeAsync();
    }
}
