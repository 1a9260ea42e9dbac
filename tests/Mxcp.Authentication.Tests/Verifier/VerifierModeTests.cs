using System.Net;
using System.Text.Json;
using Mxcp.Authentication.Tests.Support;
using Mxcp.Tests.Shared;

namespace Mxcp.Authentication.Tests.Verifier;

/// <summary>mode: verifier against a real OpenID provider: its JWTs and opaque tokens are the bearer tokens.</summary>
public sealed class VerifierModeTests(OidcProviderFixture op) : IClassFixture<OidcProviderFixture>
{
    private const string Audience = "urn:mxcp:test";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Auth(string? audience = Audience, string? requiredScopes = null) => $"""
        mode: verifier
        provider: oidc
        oidc:
          config_url: {op.Provider.ConfigUrl}
          client_id: {op.Provider.ClientId}
          client_secret: "${"{"}OIDC_SECRET{"}"}"
          scope: openid profile email
        {(audience is null ? "" : $"  audience: {audience}")}
        {(requiredScopes is null ? "" : $"authorization:\n  required_scopes: [{requiredScopes}]")}
        """;

    private Dictionary<string, string> Env => new() { ["OIDC_SECRET"] = op.Provider.ClientSecret };

    private Task<AuthTestServer> StartAsync(string? audience = Audience, string? requiredScopes = null) =>
        AuthTestServer.StartAsync(Auth(audience, requiredScopes), environment: Env);

    private Dictionary<string, object> Claims(string sub = "carol", int expiresIn = 600, string? issuer = null, string audience = Audience, string scope = "openid mcp:read")
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new()
        {
            ["sub"] = sub,
            ["iss"] = issuer ?? op.Provider.Issuer,
            ["aud"] = audience,
            ["iat"] = now - 10,
            ["nbf"] = now - 10,
            ["exp"] = now + expiresIn,
            ["scope"] = scope,
            ["email"] = sub + "@example.com",
            ["preferred_username"] = sub,
        };
    }

    [Fact]
    public async Task Jwt_FromTheProvidersLogin_IsAcceptedAndItsUserReachesSql()
    {
        await using var server = await StartAsync();
        var tokens = await op.LoginAtProviderAsync("dave", resource: Audience);
        var accessToken = tokens.GetProperty("access_token").GetString()!;
        Assert.Equal(2, accessToken.Count(c => c == '.'));

        var me = await server.WhoAmIAsync(accessToken);
        Assert.Equal("dave", me.GetProperty("username").GetString());
        Assert.Equal("oidc", me.GetProperty("provider").GetString());
        Assert.Equal(accessToken, me.GetProperty("external_token").GetString());
    }

    [Fact]
    public async Task Jwt_SignedByTheProvidersKey_CarriesClaimsToSqlAndPolicies()
    {
        await using var server = await StartAsync();
        var claims = Claims(sub: "erin");
        claims["role"] = "admin";
        var token = await op.Provider.SignAsync(claims);

        var me = await server.WhoAmIAsync(token);
        Assert.Equal("erin", me.GetProperty("username").GetString());
        Assert.Equal("erin@example.com", me.GetProperty("email").GetString());
        Assert.Equal("secret report", await server.CallAsync(token, "admin_only"));
        Assert.Equal("error: Policy enforcement failed: Admins only", await server.CallAsync(await op.Provider.SignAsync(Claims(sub: "frank")), "admin_only"));
    }

    [Fact]
    public async Task Tokens_ExpiredForeignOrForged_Get401WithResourceMetadata()
    {
        // mxcp.auth.attempts_total, by status, as an exporter would see it (other tests may add to it at the same time).
        var attempts = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "mxcp" && instrument.Name == "mxcp.auth.attempts_total")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? status = null, provider = null;
            foreach (var tag in tags)
            {
                status = tag.Key == "status" ? tag.Value as string : status;
                provider = tag.Key == "provider" ? tag.Value as string : provider;
            }

            attempts.AddOrUpdate($"{provider}/{status}", value, (_, old) => old + value);
        });
        listener.Start();

        await using var server = await StartAsync();
        var refused = new Dictionary<string, string>
        {
            ["expired"] = await op.Provider.SignAsync(Claims(expiresIn: -600)),
            ["not yet valid"] = await op.Provider.SignAsync(new Dictionary<string, object>(Claims()) { ["nbf"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600 }),
            ["wrong issuer"] = await op.Provider.SignAsync(Claims(issuer: "https://evil.example.com")),
            ["wrong audience"] = await op.Provider.SignAsync(Claims(audience: "urn:someone-else")),
            ["bad signature"] = await op.Provider.SignAsync(Claims(), otherKey: true),
            ["no sub"] = await op.Provider.SignAsync(Claims().Where(c => c.Key != "sub").ToDictionary()),
            ["garbage"] = "garbage",
            ["garbage jwt"] = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
        };
        foreach (var (what, token) in refused)
        {
            using var response = await server.PostInitializeAsync("Bearer " + token);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{what}: {(int)response.StatusCode}");
            var challenge = response.Headers.WwwAuthenticate.ToString();
            Assert.Contains("error=\"invalid_token\"", challenge, StringComparison.Ordinal);
            Assert.Contains($"resource_metadata=\"{server.BaseUri}.well-known/oauth-protected-resource/mcp\"", challenge, StringComparison.Ordinal);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
            Assert.Equal("invalid_token", body.GetProperty("error").GetString());
            Assert.Equal("Authentication required", body.GetProperty("error_description").GetString());
        }

        var good = await op.Provider.SignAsync(Claims());
        using var accepted = await server.PostInitializeAsync("Bearer " + good);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);

        Assert.True(attempts.GetValueOrDefault("oidc/invalid") >= refused.Count, string.Join(", ", attempts));
        Assert.True(attempts.GetValueOrDefault("oidc/success") >= 1, string.Join(", ", attempts));
    }

    [Fact]
    public async Task AuthorizationHeader_MalformedOrOversized_Is401AndNever500()
    {
        await using var server = await StartAsync();
        var good = await op.Provider.SignAsync(Claims());
        string[] headers =
        [
            "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "bearer\tx", "Bearer " + new string('a', 9000),
            "Bearer " + good + " extra", "Bearer a,b", "Bearer a=b", "Token " + good,
        ];
        foreach (var header in headers)
        {
            using var response = await server.PostInitializeAsync(header);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"'{header[..Math.Min(header.Length, 30)]}': {(int)response.StatusCode}");
        }

        using var none = await server.PostInitializeAsync(null);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
    }

    [Fact]
    public async Task OpaqueToken_IsCheckedByIntrospection()
    {
        // Opaque tokens name no audience: this server requires none.
        await using var server = await StartAsync(audience: null);
        var tokens = await op.LoginAtProviderAsync("grace");
        var opaque = tokens.GetProperty("access_token").GetString()!;
        Assert.DoesNotContain('.', opaque);

        var me = await server.WhoAmIAsync(opaque);
        Assert.Equal("grace", me.GetProperty("username").GetString());
        Assert.Equal(opaque, me.GetProperty("external_token").GetString());

        using var unknown = await server.PostInitializeAsync("Bearer " + opaque[..^4] + "AAAA");
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
    }

    [Fact]
    public async Task OpaqueToken_WhenAnAudienceIsRequired_IsRefused()
    {
        await using var server = await StartAsync();
        var tokens = await op.LoginAtProviderAsync("heidi");
        using var response = await server.PostInitializeAsync("Bearer " + tokens.GetProperty("access_token").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task RequiredScopes_Missing_Is403InsufficientScope()
    {
        await using var server = await StartAsync(requiredScopes: "mcp:read");
        var without = await op.Provider.SignAsync(Claims(scope: "openid profile"));
        using var forbidden = await server.PostInitializeAsync("Bearer " + without);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains("error=\"insufficient_scope\"", forbidden.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        var body = JsonDocument.Parse(await forbidden.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("insufficient_scope", body.GetProperty("error").GetString());
        Assert.Equal("Required scope: mcp:read", body.GetProperty("error_description").GetString());

        var with = await op.Provider.SignAsync(Claims(scope: "openid mcp:read"));
        Assert.Equal("carol", (await server.WhoAmIAsync(with)).GetProperty("username").GetString());
    }

    [Fact]
    public async Task ProtectedResourceMetadata_NamesTheProviderAsAuthorizationServer()
    {
        await using var server = await StartAsync(requiredScopes: "mcp:read");
        using var http = new HttpClient();
        var metadata = JsonDocument.Parse(await http.GetStringAsync(new Uri(server.BaseUri, "/.well-known/oauth-protected-resource/mcp"), Ct)).RootElement;
        Assert.Equal(server.McpUri.ToString().TrimEnd('/'), metadata.GetProperty("resource").GetString());
        Assert.Equal([op.Provider.Issuer], metadata.GetProperty("authorization_servers").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["mcp:read"], metadata.GetProperty("scopes_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["header"], metadata.GetProperty("bearer_methods_supported").EnumerateArray().Select(e => e.GetString()));

        // Verifier mode runs no authorization server of its own.
        using var asMetadata = await http.GetAsync(new Uri(server.BaseUri, "/.well-known/oauth-authorization-server"), Ct);
        Assert.Equal(HttpStatusCode.NotFound, asMetadata.StatusCode);
    }
}

/// <summary>A provider without token introspection: opaque tokens are checked at its userinfo endpoint.</summary>
public sealed class VerifierUserinfoFallbackTests
{
    [Fact]
    public async Task OpaqueToken_WithoutIntrospection_IsCheckedAtTheUserinfoEndpoint()
    {
        var provider = await OidcProviderProcess.StartAsync(introspection: false, cancellationToken: TestContext.Current.CancellationToken);
        await using var fixture = OidcProviderFixture.Over(provider);
        await using var server = await AuthTestServer.StartAsync($"""
            mode: verifier
            provider: oidc
            oidc:
              config_url: {provider.ConfigUrl}
              client_id: {provider.ClientId}
              client_secret: {provider.ClientSecret}
              scope: openid
            """);
        var tokens = await fixture.LoginAtProviderAsync("ursula");
        var me = await server.WhoAmIAsync(tokens.GetProperty("access_token").GetString()!);
        Assert.Equal("ursula", me.GetProperty("username").GetString());
        using var forged = await server.PostInitializeAsync("Bearer not-a-token-the-provider-knows");
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }
}
