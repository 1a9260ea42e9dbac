using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.IntegrationTests.Support;
using Mxcp.IntegrationTests.Telemetry;
using Mxcp.Tests.Shared;

namespace Mxcp.IntegrationTests.Upstream;

#pragma warning disable MCP9005 // Sampling and roots: the 2025-11-25 features the reference server uses.

/// <summary>
/// The requests <c>@modelcontextprotocol/server-everything</c> sends to its client while serving a tool (sampling,
/// elicitation, roots) reaching the MCP client that called the tool through <c>mxcp serve</c>, as <c>forward</c> allows.
/// </summary>
public sealed class EverythingForwardingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Yaml(string value) => JsonSerializer.Serialize(value);

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    private static TestProject Project(string serverScript, string forward)
    {
        var front = TestProject.Empty();
        front.Write("mxcp-site.yml", $"""
            mxcp: 1
            project: front
            profile: dev
            profiles:
              dev:
                audit:
                  enabled: true
            upstreams:
              everything:
                command: [node, {Yaml(serverScript)}, stdio]
                prefix: ev_
                timeout: 60
                forward: {forward}
            """);
        front.Environment["MXCP_LOG_LEVEL"] = "INFO";
        return front;
    }

    private static Task<McpClient> ConnectAsync(ServeProcess server, McpClientHandlers handlers) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = server.Endpoint, TransportMode = HttpTransportMode.StreamableHttp }),
            new McpClientOptions { ProtocolVersion = "2025-11-25", ClientInfo = new() { Name = "forwarding-it", Version = "1" }, Handlers = handlers },
            cancellationToken: Ct);

    private static async Task<List<string>> WaitForToolsAsync(McpClient client, ServeProcess server, params string[] names)
    {
        List<string> tools = [];
        await UpstreamTests.WaitUntilAsync(async () =>
        {
            tools = await UpstreamTests.ToolNamesAsync(client);
            return names.All(tools.Contains);
        }, () => $"the tools {string.Join(", ", names)}; served: {string.Join(", ", tools)}; log:\n{server.Stderr}");
        return tools;
    }

    [Fact]
    public async Task Serve_ForwardingUpstream_SamplingElicitationAndRootsAnsweredByTheCallersClient()
    {
        var (serverScript, _) = await EverythingUpstreamTests.InstallAsync();
        using var front = Project(serverScript, "{ sampling: true, elicitation: true, roots: true }");
        await using var server = await ServeProcess.StartAsync(front);

        var sampled = new List<string>();
        await using var client = await ConnectAsync(server, new McpClientHandlers
        {
            SamplingHandler = (request, _, _) =>
            {
                lock (sampled)
                {
                    sampled.AddRange(request!.Messages.SelectMany(m => m.Content).OfType<TextContentBlock>().Select(t => t.Text));
                }

                return ValueTask.FromResult(new CreateMessageResult
                {
                    Content = [new TextContentBlock { Text = "the client's model says hi" }],
                    Model = "client-model-7",
                    Role = Role.Assistant,
                });
            },
            ElicitationHandler = (request, _) => ValueTask.FromResult(new ElicitResult
            {
                Action = "accept",
                Content = new Dictionary<string, JsonElement> { ["name"] = JsonSerializer.SerializeToElement("Ada Lovelace"), ["check"] = JsonSerializer.SerializeToElement(true) },
            }),
            RootsHandler = (_, _) => ValueTask.FromResult(new ListRootsResult { Roots = [new Root { Uri = "file:///work/project-x", Name = "project-x" }] }),
        });

        // The upstream registers these tools only for a client that declared the capabilities: Mxcp's connection did.
        await WaitForToolsAsync(client, server, "ev_trigger-sampling-request", "ev_trigger-elicitation-request", "ev_get-roots-list");

        var sampling = await client.CallToolAsync("ev_trigger-sampling-request", new Dictionary<string, object?> { ["prompt"] = "tell me a joke", ["maxTokens"] = 20 }, cancellationToken: Ct);
        Assert.NotEqual(true, sampling.IsError);
        Assert.Contains("the client's model says hi", Text(sampling), StringComparison.Ordinal);
        Assert.Contains("client-model-7", Text(sampling), StringComparison.Ordinal);
        Assert.Contains(sampled, t => t.Contains("tell me a joke", StringComparison.Ordinal));

        var elicitation = await client.CallToolAsync("ev_trigger-elicitation-request", new Dictionary<string, object?>(), cancellationToken: Ct);
        Assert.NotEqual(true, elicitation.IsError);
        Assert.Contains("- Name: Ada Lovelace", Text(elicitation), StringComparison.Ordinal);
        Assert.Contains("- Agreed to terms: true", Text(elicitation), StringComparison.Ordinal);

        var roots = await client.CallToolAsync("ev_get-roots-list", new Dictionary<string, object?>(), cancellationToken: Ct);
        Assert.NotEqual(true, roots.IsError);
        Assert.Contains("URI: file:///work/project-x", Text(roots), StringComparison.Ordinal);

        server.Signal("TERM");
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(60)));

        // The audit record of the call names the request forwarded on its behalf. (The server also asks for roots on its
        // own after the client's roots change; when that request arrives during this call, the only one in progress, it
        // is forwarded for this call too and listed with it.)
        var records = UpstreamTests.AuditRecords(front);
        var call = records.Last(r => r.GetProperty("operation_name").GetString() == "ev_trigger-sampling-request");
        var forwarded = Assert.Single(call.GetProperty("execution_events").EnumerateArray()).GetProperty("client_requests").EnumerateArray().ToList();
        var forwardedSampling = Assert.Single(forwarded, f => f.GetProperty("method").GetString() == "sampling/createMessage");
        Assert.Equal("answered", forwardedSampling.GetProperty("status").GetString());
        Assert.All(forwarded, f => Assert.Contains(f.GetProperty("method").GetString(), (string[])["sampling/createMessage", "roots/list"]));
        Assert.Contains("Upstream everything: forwarding its 'sampling/createMessage' request to the client of the call", server.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_ClientWithoutSamplingCapability_ToolErrorSaysWhyInsteadOfHanging()
    {
        var (serverScript, _) = await EverythingUpstreamTests.InstallAsync();
        using var front = Project(serverScript, "{ sampling: true }");
        await using var server = await ServeProcess.StartAsync(front);
        await using var client = await ConnectAsync(server, new McpClientHandlers());

        // Only sampling is declared to the upstream, so its elicitation and roots tools are not registered.
        var tools = await WaitForToolsAsync(client, server, "ev_trigger-sampling-request");
        Assert.DoesNotContain("ev_trigger-elicitation-request", tools);
        Assert.DoesNotContain("ev_get-roots-list", tools);

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bounded.CancelAfter(TimeSpan.FromSeconds(30));
        var result = await client.CallToolAsync("ev_trigger-sampling-request", new Dictionary<string, object?> { ["prompt"] = "hi" }, cancellationToken: bounded.Token);
        Assert.True(result.IsError, Text(result));
        Assert.Contains("Mxcp did not forward 'sampling/createMessage' to its client: the client did not declare the 'sampling' capability", Text(result), StringComparison.Ordinal);

        server.Signal("TERM");
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var call = UpstreamTests.AuditRecords(front).Last(r => r.GetProperty("operation_name").GetString() == "ev_trigger-sampling-request");
        var refused = Assert.Single(Assert.Single(call.GetProperty("execution_events").EnumerateArray()).GetProperty("client_requests").EnumerateArray());
        Assert.Equal("refused", refused.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Serve_StatelessHttp_ForwardedRequestRefusedAsStateless()
    {
        var (serverScript, _) = await EverythingUpstreamTests.InstallAsync();
        using var front = Project(serverScript, "true");
        await using var server = await ServeProcess.StartAsync(front, "--stateless");
        var handlers = new McpClientHandlers
        {
            SamplingHandler = (_, _, _) => ValueTask.FromResult(new CreateMessageResult { Content = [new TextContentBlock { Text = "never" }], Model = "m", Role = Role.Assistant }),
        };
        await using var client = await ConnectAsync(server, handlers);
        await WaitForToolsAsync(client, server, "ev_trigger-sampling-request");

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bounded.CancelAfter(TimeSpan.FromSeconds(30));
        var result = await client.CallToolAsync("ev_trigger-sampling-request", new Dictionary<string, object?> { ["prompt"] = "hi" }, cancellationToken: bounded.Token);
        Assert.True(result.IsError, Text(result));
        Assert.Contains("the client's connection is stateless (Streamable HTTP without a session), so the server cannot send it requests", Text(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_TwoCallersInProgress_SamplingRefusedRatherThanSentToEitherClient()
    {
        var (serverScript, _) = await EverythingUpstreamTests.InstallAsync();
        using var front = Project(serverScript, "{ sampling: true }");
        await using var server = await ServeProcess.StartAsync(front);
        var asked = 0;
        McpClientHandlers Handlers() => new()
        {
            SamplingHandler = (_, _, _) =>
            {
                Interlocked.Increment(ref asked);
                return ValueTask.FromResult(new CreateMessageResult { Content = [new TextContentBlock { Text = "answer" }], Model = "m", Role = Role.Assistant });
            },
        };
        await using var first = await ConnectAsync(server, Handlers());
        await using var second = await ConnectAsync(server, Handlers());
        await WaitForToolsAsync(first, server, "ev_trigger-sampling-request", "ev_trigger-long-running-operation");

        // While the first client's call runs, the upstream's sampling request cannot be told apart: neither client gets it.
        var running = first.CallToolAsync("ev_trigger-long-running-operation", new Dictionary<string, object?> { ["duration"] = 4, ["steps"] = 2 }, cancellationToken: Ct).AsTask();
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        var result = await second.CallToolAsync("ev_trigger-sampling-request", new Dictionary<string, object?> { ["prompt"] = "hi" }, cancellationToken: Ct);
        Assert.True(result.IsError, Text(result));
        Assert.Contains("2 calls of Mxcp to this upstream are in progress and the request does not say which one it belongs to", Text(result), StringComparison.Ordinal);
        Assert.NotEqual(true, (await running).IsError);
        Assert.Equal(0, Volatile.Read(ref asked));

        // Alone, the same call is forwarded.
        var alone = await second.CallToolAsync("ev_trigger-sampling-request", new Dictionary<string, object?> { ["prompt"] = "hi" }, cancellationToken: Ct);
        Assert.NotEqual(true, alone.IsError);
        Assert.Equal(1, Volatile.Read(ref asked));
    }
}
