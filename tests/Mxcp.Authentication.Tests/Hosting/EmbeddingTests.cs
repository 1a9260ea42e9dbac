using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mxcp.Authentication.Tests.Issuer;
using Mxcp.Authentication.Tests.Support;

namespace Mxcp.Authentication.Tests.Hosting;

/// <summary>Mxcp's authentication inside a host that has its own authentication and the admin API.</summary>
public sealed class EmbeddingTests(OidcProviderFixture op) : IClassFixture<OidcProviderFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HostAuthentication_KeepsGuardingTheHostsRoutes_WhileMxcpGuardsMcp()
    {
        var issuer = new IssuerModeTests(op);
        await using var server = await AuthTestServer.StartAsync(issuer.Auth(), environment: issuer.Env,
            services: s =>
            {
                s.AddAuthentication(o => o.DefaultScheme = "Host").AddScheme<AuthenticationSchemeOptions, HostHeaderHandler>("Host", null);
                s.AddMxcp().AddAdmin();
            },
            map: app =>
            {
                app.MapGet("/api/me", (ClaimsPrincipal user) => user.Identity!.Name).RequireAuthorization();
                app.MapMxcpAdmin("/admin");
            });
        using var http = new HttpClient();
        using var hostUser = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseUri, "/api/me"));
        hostUser.Headers.Add("X-Host-User", "host-henry");
        using (var me = await http.SendAsync(hostUser, Ct))
        {
            Assert.Equal("host-henry", await me.Content.ReadAsStringAsync(Ct));
        }

        using (var anonymous = await http.GetAsync(new Uri(server.BaseUri, "/api/me"), Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        // The host's user is not a user of the MCP endpoint: that one takes Mxcp's tokens only.
        using var mcpWithHostUser = new HttpRequestMessage(HttpMethod.Post, server.McpUri) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        mcpWithHostUser.Headers.Add("X-Host-User", "host-henry");
        using (var refused = await http.SendAsync(mcpWithHostUser, Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        var client = new OAuthTestClient(server.BaseUri);
        var tokens = await client.LoginAsync("ivy");
        var access = tokens.GetProperty("access_token").GetString()!;
        await using var mcp = await server.ConnectAsync(access, "2025-11-25");
        Assert.Equal("ivy", (await server.WhoAmIAsync(access)).GetProperty("username").GetString());

        // Nothing the admin API shows carries a secret of the session.
        var secrets = new[] { op.Provider.ClientSecret, client.ClientSecret!, access, tokens.GetProperty("refresh_token").GetString()! };
        foreach (var route in (string[])["/admin/status", "/admin/config", "/admin/sessions", "/admin/stats", "/admin/endpoints", "/admin/audit/query?limit=50"])
        {
            var body = await http.GetStringAsync(new Uri(server.BaseUri, route), Ct);
            Assert.All(secrets, secret => Assert.DoesNotContain(secret, body, StringComparison.Ordinal));
        }

        var sessions = JsonDocument.Parse(await http.GetStringAsync(new Uri(server.BaseUri, "/admin/sessions"), Ct)).RootElement.GetProperty("sessions");
        Assert.NotEmpty(sessions.EnumerateArray());
    }

    /// <summary>The host's own scheme: <c>X-Host-User</c> names the user.</summary>
    private sealed class HostHeaderHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
            Task.FromResult(Request.Headers["X-Host-User"].ToString() is { Length: > 0 } name
                ? AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], "Host")), "Host"))
                : AuthenticateResult.NoResult());
    }
}
