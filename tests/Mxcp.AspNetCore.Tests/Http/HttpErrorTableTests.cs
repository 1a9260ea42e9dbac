using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mxcp.AspNetCore.Tests.Support;

namespace Mxcp.AspNetCore.Tests.Http;

/// <summary>Status codes and JSON-RPC error bodies of the HTTP layer, checked with a raw HttpClient.</summary>
public sealed class HttpErrorTableTests
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpRequestMessage Post(McpTestServer server, string body, string accept = "application/json, text/event-stream")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, server.McpUri) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", accept);
        return request;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient http, HttpRequestMessage request)
    {
        using var response = await http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task<string> InitializeSessionAsync(HttpClient http, McpTestServer server)
    {
        using var response = await http.SendAsync(Post(server, Initialize), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return response.Headers.GetValues("Mcp-Session-Id").Single();
    }

    [Fact]
    public async Task Post_WithoutSseInAccept_Is406()
    {
        await using var server = await McpTestServer.StartAsync();
        using var http = new HttpClient();
        var (status, body) = await SendAsync(http, Post(server, Initialize, accept: "application/json"));
        Assert.Equal(HttpStatusCode.NotAcceptable, status);
        Assert.Equal(-32000, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("Not Acceptable: Client must accept both application/json and text/event-stream", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Post_NotJsonContentType_Is415BeforeAnyOtherCheck()
    {
        // The SDK's endpoint accepts application/json only; routing refuses other bodies before filters and handlers.
        await using var server = await McpTestServer.StartAsync();
        using var http = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Post, server.McpUri) { Content = new StringContent(Initialize, Encoding.UTF8, "text/plain") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.Host = "evil.example.com";
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Post_NotJsonRpc_Is400InvalidRequest()
    {
        await using var server = await McpTestServer.StartAsync();
        using var http = new HttpClient();
        var (status, body) = await SendAsync(http, Post(server, "{not json"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(-32600, body.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Post_UnsupportedProtocolVersion_Is400WithSupportedList()
    {
        await using var server = await McpTestServer.StartAsync();
        using var http = new HttpClient();
        var request = Post(server, Initialize);
        request.Headers.Add("MCP-Protocol-Version", "1999-01-01");
        var (status, body) = await SendAsync(http, request);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = body.GetProperty("error");
        Assert.Equal(-32022, error.GetProperty("code").GetInt32());
        Assert.Equal("1999-01-01", error.GetProperty("data").GetProperty("requested").GetString());
        Assert.Contains("2025-11-25", error.GetProperty("data").GetProperty("supported").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Post_NoSessionAndNotInitialize_Is400()
    {
        await using var server = await McpTestServer.StartAsync();
        using var http = new HttpClient();
        var (status, body) = await SendAsync(http, Post(server, """{"jsonrpc":"2.0","id":2,"method":"tools/list"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("Bad Request: A new session can only be created by an initialize request", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Post_UnknownSession_Is404SessionNotFound()
    {
        await using var server = await McpTestServer.StartAsync();
        using var http = new HttpClient();
        var request = Post(server, """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""");
        request.Headers.Add("Mcp-Session-Id", "nope");
        var (status, body) = await SendAsync(http, request);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(-32001, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(2, body.GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Post_Notification_Is202WithoutBody()
    {
        await using var server = await McpTestServer.StartAsync();
        using var http = new HttpClient();
        var session = await InitializeSessionAsync(http, server);
        var request = Post(server, """{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        request.Headers.Add("Mcp-Session-Id", session);
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Delete_EndsTheSession_ThenItIs404()
    {
        await using var server = await McpTestServer.StartAsync();
        using var http = new HttpClient();
        var session = await InitializeSessionAsync(http, server);
        Assert.Single(server.Sessions.Sessions);

        var delete = new HttpRequestMessage(HttpMethod.Delete, server.McpUri);
        delete.Headers.Add("Mcp-Session-Id", session);
        using (var response = await http.SendAsync(delete, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Empty(server.Sessions.Sessions);
        var request = Post(server, """{"jsonrpc":"2.0","id":3,"method":"tools/list"}""");
        request.Headers.Add("Mcp-Session-Id", session);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(http, request)).Status);
    }

    [Fact]
    public async Task Get_With2026Header_Is405AllowPost()
    {
        await using var server = await McpTestServer.StartAsync();
        using var http = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Get, server.McpUri);
        request.Headers.Add("Accept", "text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("POST", response.Content.Headers.Allow.Single());
    }

    [Fact]
    public async Task Get_WithoutSession_Is400()
    {
        await using var server = await McpTestServer.StartAsync();
        using var http = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Get, server.McpUri);
        request.Headers.Add("Accept", "text/event-stream");
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(http, request)).Status);
    }

    [Fact]
    public async Task Stateless_SessionHeader_Is400_AndNoGetRoute()
    {
        await using var server = await McpTestServer.StartAsync(o => o.SessionMode = MxcpSessionMode.Stateless);
        using var http = new HttpClient();
        var request = Post(server, Initialize);
        request.Headers.Add("Mcp-Session-Id", "x");
        var (status, body) = await SendAsync(http, request);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("Bad Request: The Mcp-Session-Id header is not supported in stateless mode", body.GetProperty("error").GetProperty("message").GetString());

        var get = new HttpRequestMessage(HttpMethod.Get, server.McpUri);
        get.Headers.Add("Accept", "text/event-stream");
        using var response = await http.SendAsync(get, Ct);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task Post_2026_RemovedMethod_Is404()
    {
        await using var server = await McpTestServer.StartAsync();
        using var http = new HttpClient();
        var request = Post(server, """{"jsonrpc":"2.0","id":9,"method":"ping","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""");
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        request.Headers.Add("Mcp-Method", "ping");
        var (status, body) = await SendAsync(http, request);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(-32601, body.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Post_2026_MissingMethodHeader_Is400HeaderMismatch()
    {
        await using var server = await McpTestServer.StartAsync();
        using var http = new HttpClient();
        var request = Post(server, """{"jsonrpc":"2.0","id":9,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""");
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        var (status, body) = await SendAsync(http, request);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(-32020, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("Missing required Mcp-Method header.", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Post_ForeignHost_Is403()
    {
        await using var server = await McpTestServer.StartAsync();
        using var http = new HttpClient();
        var request = Post(server, Initialize);
        request.Headers.Host = "evil.example.com";
        var (status, body) = await SendAsync(http, request);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("Forbidden: Host 'evil.example.com' is not allowed (DNS rebinding protection)", body.GetProperty("error").GetProperty("message").GetString());

        var origin = Post(server, Initialize);
        origin.Headers.Add("Origin", "http://evil.example.com");
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, origin)).Status);

        var local = Post(server, Initialize);
        local.Headers.Host = $"localhost:{server.BaseUri.Port}";
        local.Headers.Add("Origin", $"http://localhost:{server.BaseUri.Port}");
        using var ok = await http.SendAsync(local, Ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Post_TooLarge_Is413()
    {
        await using var server = await McpTestServer.StartAsync(o => o.MaxRequestBodySize = 1024);
        using var http = new HttpClient();
        var big = Initialize.Replace("\"raw\"", "\"" + new string('x', 2000) + "\"", StringComparison.Ordinal);
        var (status, body) = await SendAsync(http, Post(server, big));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("Payload Too Large: the request body exceeds 1024 bytes", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Post_OverTheConcurrencyLimit_Is429WithRetryAfter()
    {
        await using var server = await McpTestServer.StartAsync(o => o.MaxConcurrentRequests = 1);
        await using var client = await server.ConnectAsync("2025-11-25");
        var waiting = client.CallToolAsync("wait", cancellationToken: Ct).AsTask();
        while (server.Gate.Started == 0)
        {
            await Task.Delay(20, Ct);
        }

        using var http = new HttpClient();
        using var response = await http.SendAsync(Post(server, Initialize), Ct);
        Assert.Equal((HttpStatusCode)429, response.StatusCode);
        Assert.Equal("1", response.Headers.RetryAfter?.ToString());

        server.Gate.Open();
        Assert.Equal("opened", Assert.IsType<ModelContextProtocol.Protocol.TextContentBlock>(Assert.Single((await waiting).Content)).Text);
    }
}
