using System.Net;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mxcp.Authentication.Bearer;
using Mxcp.Authentication.Hosting;
using Mxcp.Authentication.Tests.Issuer;
using Mxcp.Authentication.Tests.Support;
using Mxcp.Runtime.Reload;

namespace Mxcp.Authentication.Tests.Hosting;

/// <summary>
/// A profile without auth, allowed (<see cref="MxcpAuthenticationOptions.AllowNoAuth"/>, as <c>mxcp serve</c> runs):
/// anonymous callers are served, the MCP endpoint's own policy is answered without running the scheme, and a policy a
/// host adds to the endpoint is still enforced.
/// </summary>
public sealed class NoAuthTests(OidcProviderFixture op) : IClassFixture<OidcProviderFixture>
{
    private const string HostScheme = "Host";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly AuthorizationPolicy HostPolicy = new AuthorizationPolicyBuilder(HostScheme).RequireAuthenticatedUser().Build();

    [Fact]
    public async Task PolicyEvaluator_NoAuthProfile_AnswersMxcpsPolicyAloneWithoutTheScheme()
    {
        await using var server = await AuthTestServer.StartAsync("provider: none", options: o => o.AllowNoAuth = true);
        Assert.True(server.Services.GetRequiredService<MxcpAuthenticationState>().IsDisabled);

        using var scope = server.Services.CreateScope();
        var evaluator = Assert.IsType<MxcpPolicyEvaluator>(scope.ServiceProvider.GetRequiredService<IPolicyEvaluator>());
        Assert.True(evaluator.IsMxcpPolicyWithoutAuth(AuthEndpointConventions.Policy));
        var combined = AuthorizationPolicy.Combine(AuthEndpointConventions.Policy, HostPolicy);
        Assert.False(evaluator.IsMxcpPolicyWithoutAuth(combined));

        // The answer is the full evaluation's: an anonymous user (whatever the request carried), access granted.
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider, User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "someone")], "Other")) };
        var authenticated = await evaluator.AuthenticateAsync(AuthEndpointConventions.Policy, context);
        Assert.True(authenticated.None);
        Assert.False(context.User.Identity!.IsAuthenticated);
        Assert.True((await evaluator.AuthorizeAsync(AuthEndpointConventions.Policy, authenticated, context, null)).Succeeded);

        var full = new PolicyEvaluator(scope.ServiceProvider.GetRequiredService<IAuthorizationService>());
        var fullContext = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        var fullAuthenticated = await full.AuthenticateAsync(AuthEndpointConventions.Policy, fullContext);
        Assert.True(fullAuthenticated.None);
        Assert.False(fullContext.User.Identity!.IsAuthenticated);
        Assert.True((await full.AuthorizeAsync(AuthEndpointConventions.Policy, fullAuthenticated, fullContext, null)).Succeeded);

        // Served to an anonymous client over the wire.
        using var anonymous = await server.PostInitializeAsync(authorization: null);
        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
    }

    [Fact]
    public async Task PolicyEvaluator_AuthOn_EvaluatesMxcpsPolicyInFull()
    {
        var issuer = new IssuerModeTests(op);
        await using var server = await AuthTestServer.StartAsync(issuer.Auth(), environment: issuer.Env);
        using var scope = server.Services.CreateScope();
        var evaluator = Assert.IsType<MxcpPolicyEvaluator>(scope.ServiceProvider.GetRequiredService<IPolicyEvaluator>());
        Assert.False(evaluator.IsMxcpPolicyWithoutAuth(AuthEndpointConventions.Policy));

        using var anonymous = await server.PostInitializeAsync(authorization: null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task HostPolicyOnTheMcpEndpoint_NoAuthProfile_StillEnforced()
    {
        await using var server = await AuthTestServer.StartAsync("provider: none",
            options: o => o.AllowNoAuth = true,
            services: s => s.AddAuthentication().AddScheme<AuthenticationSchemeOptions, HostHeaderHandler>(HostScheme, null),
            mcp: endpoint => endpoint.RequireAuthorization(HostPolicy));

        using (var anonymous = await server.PostInitializeAsync(authorization: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, server.McpUri)
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Add("X-Host-User", "host-henry");
        using var signedIn = await http.SendAsync(request, Ct);
        Assert.True(signedIn.StatusCode == HttpStatusCode.OK, $"{signedIn.StatusCode} {signedIn.Headers} {await signedIn.Content.ReadAsStringAsync(Ct)}");
    }

    [Fact]
    public async Task ReloadAddsAuth_StartedWithout_RefusesEveryCallUntilRestart()
    {
        await using var server = await AuthTestServer.StartAsync("provider: none", options: o => o.AllowNoAuth = true);
        var snapshots = server.Services.GetRequiredService<ProjectSnapshotProvider>();

        AuthTestServer.WriteProject(server.Root, "provider: github\ngithub:\n  client_id: id\n  client_secret: secret\n  callback_path: /github/callback\n  auth_url: https://github.com/login/oauth/authorize\n  token_url: https://github.com/login/oauth/access_token");
        Assert.True(await snapshots.ReloadAsync(Ct));

        // The auth block is read at start only: the reloaded one is enforced by nothing, so nothing is served.
        using (var refused = await server.PostInitializeAsync(authorization: null))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            var body = await refused.Content.ReadAsStringAsync(Ct);
            Assert.Contains("the profile configures auth (provider github) but this MCP endpoint does not enforce it. If a reload added the auth block, restart the server", body);
        }

        Assert.Contains("Refused an MCP request: the profile configures auth (provider github)", server.Logs.Text);

        AuthTestServer.WriteProject(server.Root, "provider: none");
        Assert.True(await snapshots.ReloadAsync(Ct));
        using var served = await server.PostInitializeAsync(authorization: null);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    /// <summary>The host's own scheme: <c>X-Host-User</c> names the user.</summary>
    private sealed class HostHeaderHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
            Task.FromResult(Request.Headers["X-Host-User"].ToString() is { Length: > 0 } name
                ? AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.NameIdentifier, name)], HostScheme)), HostScheme))
                : AuthenticateResult.NoResult());
    }
}
