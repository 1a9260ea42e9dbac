using System.Net;
using System.Text;
using System.Text.Json;
using Mxcp.AspNetCore.Tests.Support;

namespace Mxcp.AspNetCore.Tests.Http;

/// <summary>Host and Origin checks against DNS rebinding, and the allowed-hosts setting for a server behind a reverse proxy.</summary>
public sealed class AllowedHostsTests
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(HttpStatusCode Status, string Body)> PostAsync(McpTestServer server, string? host = null, string? origin = null)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, server.McpUri) { Content = new StringContent(Initialize, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        using var response = await http.SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Default_OnLoopback_OnlyLoopbackNamesAreAccepted()
    {
        await using var server = await McpTestServer.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(server, host: $"127.0.0.1:{server.BaseUri.Port}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(server, host: $"localhost:{server.BaseUri.Port}", origin: "http://localhost:3000")).Status);
        var (status, body) = await PostAsync(server, host: "mcp.example.com");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("Forbidden: Host 'mcp.example.com' is not allowed (DNS rebinding protection)", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task AllowedHosts_BehindAReverseProxy_TheProxiedHostIsAcceptedAndOthersAreNot()
    {
        await using var server = await McpTestServer.StartAsync(o => o.AllowedHosts = ["mcp.example.com", "localhost"]);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(server, host: "mcp.example.com", origin: "https://mcp.example.com")).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(server, host: $"localhost:{server.BaseUri.Port}")).Status);

        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(server, host: "evil.example.com")).Status);
        var (status, body) = await PostAsync(server, host: "mcp.example.com", origin: "https://evil.example.com");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("Forbidden: Origin 'https://evil.example.com' is not allowed (DNS rebinding protection)",
            JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("message").GetString());

        // The list replaces the loopback default: a name it does not hold is refused even on loopback.
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync(server, host: $"127.0.0.1:{server.BaseUri.Port}")).Status);
    }

    [Fact]
    public async Task AllowedHosts_Star_AcceptsAnyHost()
    {
        await using var server = await McpTestServer.StartAsync(o => o.AllowedHosts = ["*"]);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(server, host: "anything.example.org", origin: "https://elsewhere.example")).Status);
    }
}
