using System.Net;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Http;

/// <summary>`mxcp serve` over Streamable HTTP and SSE, with the official C# client.</summary>
public sealed class HttpServeTests(SalesSampleFixture sample) : IClassFixture<SalesSampleFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Serve_DefaultTransport_ServesStreamableHttpInBothProtocolGenerations()
    {
        await using var server = await ServeProcess.StartAsync(sample.Project);
        Assert.Equal("/mcp", server.Endpoint.AbsolutePath);

        // The version is asked for explicitly: without it the client probes with a 5 s timeout and falls back to the
        // handshake when the probe is slow (a loaded machine), which would test the client's fallback, not the server.
        await using var modern = await server.ConnectAsync("2026-07-28", cancellationToken: Ct);
        Assert.Equal("2026-07-28", modern.NegotiatedProtocolVersion);
        Assert.Null(modern.SessionId);
        var top = await modern.CallToolAsync("top_products", new Dictionary<string, object?> { ["since"] = "2024-01-01", ["limit"] = 3 }, cancellationToken: Ct);
        Assert.Equal(3, top.StructuredContent!.Value.GetProperty("result").GetArrayLength());

        await using var classic = await server.ConnectAsync("2025-11-25", cancellationToken: Ct);
        Assert.NotNull(classic.SessionId);
        var prompt = await classic.GetPromptAsync("customer_review", new Dictionary<string, object?> { ["customer_id"] = "9" }, cancellationToken: Ct);
        Assert.Equal(2, prompt.Messages.Count);
    }

    [Fact]
    public async Task Serve_Stateless_HasNoSessions()
    {
        await using var server = await ServeProcess.StartAsync(sample.Project, "--stateless");
        await using var client = await server.ConnectAsync("2025-11-25", cancellationToken: Ct);
        Assert.Null(client.SessionId);
        var result = await client.CallToolAsync("search_customers", new Dictionary<string, object?> { ["country"] = "JP", ["limit"] = 1 }, cancellationToken: Ct);
        Assert.NotEqual(true, result.IsError);
    }

    [Fact]
    public async Task Serve_SseTransport_ServesLegacyClients()
    {
        await using var server = await ServeProcess.StartAsync(sample.Project, "--transport", "sse");
        Assert.Equal("/sse", server.Endpoint.AbsolutePath);
        await using var client = await server.ConnectAsync("2024-11-05", HttpTransportMode.Sse, Ct);
        var resource = await client.ReadResourceAsync("sales://customers/5", cancellationToken: Ct);
        Assert.Equal(5, JsonDocument.Parse(Assert.IsType<TextResourceContents>(Assert.Single(resource.Contents)).Text).RootElement.GetProperty("customer_id").GetInt32());
    }

    [Fact]
    public async Task Serve_UnknownMethods_AnsweredAndLoggedInOneLineWithoutStackTraces()
    {
        await using var server = await ServeProcess.StartAsync(sample.Project, "--stateless");
        using var http = new HttpClient();
        async Task<HttpResponseMessage> PostAsync(string body)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, server.Endpoint) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Accept.ParseAdd("application/json, text/event-stream");
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
            return await http.SendAsync(request, Ct);
        }

        for (var i = 0; i < 5; i++)
        {
            using var unknown = await PostAsync($$$"""{"jsonrpc":"2.0","id":{{{i}}},"method":"foo/bar"}""");
            Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
            Assert.Contains("\"code\":-32601", await unknown.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
            using var notification = await PostAsync("""{"jsonrpc":"2.0","method":"notifications/foo"}""");
            Assert.Equal(HttpStatusCode.Accepted, notification.StatusCode);
        }

        using var list = await PostAsync("""{"jsonrpc":"2.0","id":9,"method":"tools/list"}""");
        Assert.Contains("top_products", await list.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        // The console logger writes from its own queue: the last line may follow the answer by a moment.
        List<string> Lines() => [.. server.Stderr.Split('\n').Where(l => l.Contains("foo/bar", StringComparison.Ordinal))];
        await Telemetry.TelemetryProject.WaitForAsync(() => Lines().Count >= 5, TimeSpan.FromSeconds(10), () => "five foo/bar lines in:\n" + server.Stderr);
        var lines = Lines();
        Assert.Equal(5, lines.Count);
        Assert.All(lines, l => Assert.Contains("no handler is available", l, StringComparison.Ordinal));
        Assert.DoesNotContain("McpProtocolException", server.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ModelContextProtocol", server.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_HealthAndReady_AnswerOnTheHttpPort()
    {
        await using var server = await ServeProcess.StartAsync(sample.Project);
        using var http = new HttpClient();
        var health = JsonDocument.Parse(await http.GetStringAsync(new Uri(server.BaseUri, "/health"), Ct)).RootElement;
        Assert.Equal("ok", health.GetProperty("status").GetString());
        var ready = JsonDocument.Parse(await http.GetStringAsync(new Uri(server.BaseUri, "/ready"), Ct)).RootElement;
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal("sales", ready.GetProperty("project").GetString());
    }

    [Fact]
    public async Task Serve_ForeignHostHeader_IsRefused()
    {
        await using var server = await ServeProcess.StartAsync(sample.Project);
        using var http = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Post, server.Endpoint) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Host = "evil.example.com";
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);

        // A browser's simple request (text/plain, no preflight) never reaches the MCP handler either.
        var simple = new HttpRequestMessage(HttpMethod.Post, server.Endpoint) { Content = new StringContent("{}") };
        simple.Headers.Host = "evil.example.com";
        using var refused = await http.SendAsync(simple, Ct);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, refused.StatusCode);
    }

    private static async Task<HttpStatusCode> InitializeWithHostAsync(Uri endpoint, string host)
    {
        using var http = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.Host = host;
        using var response = await http.SendAsync(request, Ct);
        return response.StatusCode;
    }

    [Fact]
    public async Task Serve_AllowedHostsFlag_AcceptsTheHostAReverseProxyPassesOn()
    {
        await using var server = await ServeProcess.StartAsync(sample.Project, "--allowed-hosts", "mcp.example.com,localhost");
        Assert.Equal(HttpStatusCode.OK, await InitializeWithHostAsync(server.Endpoint, "mcp.example.com"));
        Assert.Equal(HttpStatusCode.OK, await InitializeWithHostAsync(server.Endpoint, $"localhost:{server.Endpoint.Port}"));
        Assert.Equal(HttpStatusCode.Forbidden, await InitializeWithHostAsync(server.Endpoint, "evil.example.com"));
    }

    [Fact]
    public async Task Serve_AllowedHostsInTheUserConfig_AcceptsThoseHosts()
    {
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: proxied\nprofile: dev\n");
        project.Write("tools/one.yml", "tool:\n  name: one\n  description: One\n  return: {type: integer}\n  source: {code: select 1 as n}\n");
        project.Write(".home/.mxcp/config.yml", "mxcp: 1\ntransport:\n  http:\n    allowed_hosts: [mcp.internal.example]\n");
        await using var server = await ServeProcess.StartAsync(project);
        Assert.Equal(HttpStatusCode.OK, await InitializeWithHostAsync(server.Endpoint, "mcp.internal.example"));
        Assert.Equal(HttpStatusCode.Forbidden, await InitializeWithHostAsync(server.Endpoint, $"localhost:{server.Endpoint.Port}"));
    }
}
