using System.Net;
using ModelContextProtocol.Protocol;
using Mxcp.AspNetCore.Tests.Support;

namespace Mxcp.AspNetCore.Tests.Http;

/// <summary>MapMxcp(...).RequireAuthorization(): the host's authentication guards MCP and its user flows into calls.</summary>
public sealed class AuthenticationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RequireAuthorization_AnonymousPost_Is401()
    {
        await using var server = await McpTestServer.StartAsync(requireAuth: true);
        using var http = new HttpClient();
        using var response = await http.PostAsync(server.McpUri, new StringContent("{}", System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("hello", await http.GetStringAsync(new Uri(server.BaseUri, "/api/hello"), Ct));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("2025-11-25")]
    public async Task AuthenticatedUser_ReachesSqlFunctionsAndPolicies(string? version)
    {
        await using var server = await McpTestServer.StartAsync(requireAuth: true);
        await using var ann = await server.ConnectAsync(version, headers: new Dictionary<string, string> { ["Authorization"] = "Bearer ann", ["X-Team"] = "blue" });
        var whoami = await ann.CallToolAsync("whoami", cancellationToken: Ct);
        Assert.Equal("ann", whoami.StructuredContent!.Value.GetProperty("username").GetString());
        Assert.Equal("blue", whoami.StructuredContent.Value.GetProperty("team").GetString());

        var denied = await ann.CallToolAsync("admin_only", cancellationToken: Ct);
        Assert.True(denied.IsError);
        Assert.Equal("Policy enforcement failed: Admins only", Assert.IsType<TextContentBlock>(Assert.Single(denied.Content)).Text);

        await using var admin = await server.ConnectAsync(version, headers: new Dictionary<string, string> { ["Authorization"] = "Bearer admin" });
        var allowed = await admin.CallToolAsync("admin_only", cancellationToken: Ct);
        Assert.Equal("secret", Assert.IsType<TextContentBlock>(Assert.Single(allowed.Content)).Text);
    }

    [Fact]
    public async Task Session_UsedByAnotherUser_Is403()
    {
        await using var server = await McpTestServer.StartAsync(requireAuth: true);
        await using var ann = await server.ConnectAsync("2025-11-25", headers: new Dictionary<string, string> { ["Authorization"] = "Bearer ann" });
        using var http = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Post, server.McpUri) { Content = new StringContent("""{"jsonrpc":"2.0","id":5,"method":"tools/list"}""", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.Add("Authorization", "Bearer bob");
        request.Headers.Add("Mcp-Session-Id", ann.SessionId);
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}

/// <summary>Capabilities derived from the authenticated user's claims with the auth provider's claim_mappings.</summary>
public sealed class CapabilityTests
{
    [Fact]
    public async Task ClaimMappings_GrantCapabilitiesThatPoliciesCheck()
    {
        await using var server = await McpTestServer.StartAsync(requireAuth: true, writeProject: root =>
        {
            McpTestServer.Write(root, ".mxcp/config.yml", """
                mxcp: 1
                projects:
                  web:
                    profiles:
                      dev:
                        auth:
                          provider: oidc
                          oidc:
                            claim_mappings:
                              role:
                                admin: [reports.read]
                """);
            McpTestServer.Write(root, "tools/report.yml", """
                tool:
                  name: report
                  description: Needs the reports.read capability
                  return: {type: string}
                  source: {code: "select 'report' as r"}
                  policies:
                    input:
                      - {condition: "!('reports.read' in user.capabilities)", action: deny, reason: Needs reports.read}
                """);
        });
        var ct = TestContext.Current.CancellationToken;
        await using var ann = await server.ConnectAsync(headers: new Dictionary<string, string> { ["Authorization"] = "Bearer ann" });
        var denied = await ann.CallToolAsync("report", cancellationToken: ct);
        Assert.Equal("Policy enforcement failed: Needs reports.read", Assert.IsType<TextContentBlock>(Assert.Single(denied.Content)).Text);
        await using var admin = await server.ConnectAsync(headers: new Dictionary<string, string> { ["Authorization"] = "Bearer admin" });
        var allowed = await admin.CallToolAsync("report", cancellationToken: ct);
        Assert.Equal("report", Assert.IsType<TextContentBlock>(Assert.Single(allowed.Content)).Text);
    }
}

/// <summary>A profile that configures auth is never served unauthenticated, even by a host that forgot to protect MapMxcp.</summary>
public sealed class UnprotectedAuthTests
{
    [Fact]
    public async Task ProfileWithAuth_EndpointWithoutAuthentication_RefusesEveryCall()
    {
        await using var server = await McpTestServer.StartAsync(writeProject: root => McpTestServer.Write(root, ".mxcp/config.yml", """
            mxcp: 1
            projects:
              web:
                profiles:
                  dev:
                    auth:
                      provider: github
            """));
        using var http = new HttpClient();
        using var response = await http.PostAsync(server.McpUri, new StringContent(
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}""",
            System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("configures auth (provider github)", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}
