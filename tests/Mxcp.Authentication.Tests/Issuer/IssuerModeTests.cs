using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mxcp.Authentication.Tests.Support;
using Mxcp.Tests.Shared;

namespace Mxcp.Authentication.Tests.Issuer;

/// <summary>
/// Issuer mode with provider oidc against a real OpenID provider: Mxcp is the OAuth server of its MCP clients and
/// signs users in at the provider, whose login form the test fills in like a browser.
/// </summary>
public sealed class IssuerModeTests(OidcProviderFixture op) : IClassFixture<OidcProviderFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    internal string Auth(string? persistence = null, string? clients = null) => $"""
        provider: oidc
        oidc:
          config_url: {op.Provider.ConfigUrl}
          client_id: {op.Provider.ClientId}
          client_secret: "${"{"}OIDC_SECRET{"}"}"
          scope: openid profile email
          callback_path: /oidc/callback
          claim_mappings:
            groups:
              admins: [reports.read]
        persistence:
        {persistence ?? "  path: state/oauth.db"}
        {clients ?? ""}
        """;

    internal Dictionary<string, string> Env => new() { ["OIDC_SECRET"] = op.Provider.ClientSecret };

    private Task<AuthTestServer> StartAsync(string? persistence = null, string? root = null, Action<IServiceCollection>? services = null, string? clients = null) =>
        AuthTestServer.StartAsync(Auth(persistence, clients), root: root, environment: Env, services: services);

    [Fact]
    public async Task Login_ThroughTheProvider_GivesTokensWhoseUserReachesSqlPoliciesAndTheProvider()
    {
        await using var server = await StartAsync();
        var client = new OAuthTestClient(server.BaseUri);
        var registration = await client.RegisterAsync();
        Assert.Equal("client_secret_post", registration.GetProperty("token_endpoint_auth_method").GetString());

        var back = await client.AuthorizeAsync("alice");
        Assert.Equal(["code", "state"], back.Query.TrimStart('?').Split('&').Select(p => p.Split('=')[0]).Order());
        Assert.Equal("client-state", BrowserLogin.Query(back, "state"));
        var code = BrowserLogin.Query(back, "code")!;
        Assert.Matches("^mcp_[0-9a-f]{32}$", code);

        var (status, tokens) = await client.ExchangeAsync(code);
        Assert.Equal(HttpStatusCode.OK, status);
        var access = tokens.GetProperty("access_token").GetString()!;
        Assert.Matches("^mcp_[0-9a-f]{64}$", access);
        Assert.Matches("^mcp_refresh_[0-9a-f]{64}$", tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal("Bearer", tokens.GetProperty("token_type").GetString());
        Assert.InRange(tokens.GetProperty("expires_in").GetInt32(), 3500, 3600);

        var me = await server.WhoAmIAsync(access);
        Assert.Equal("alice", me.GetProperty("username").GetString());
        Assert.Equal("alice@example.com", me.GetProperty("email").GetString());
        Assert.Equal("oidc", me.GetProperty("provider").GetString());

        // The external token is the provider's own access token: it works at the provider's userinfo endpoint.
        using var http = new HttpClient();
        using var userinfo = new HttpRequestMessage(HttpMethod.Get, op.Provider.Issuer + "/me");
        userinfo.Headers.Authorization = new("Bearer", me.GetProperty("external_token").GetString());
        using var userinfoResponse = await http.SendAsync(userinfo, Ct);
        Assert.Equal("alice", JsonDocument.Parse(await userinfoResponse.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("sub").GetString());

        Assert.Equal("error: Policy enforcement failed: Admins only", await server.CallAsync(access, "admin_only"));
        Assert.Equal("error: Policy enforcement failed: Needs reports.read", await server.CallAsync(access, "staff_report"));

        // A code works once.
        var (replayStatus, replay) = await client.ExchangeAsync(code);
        Assert.Equal(HttpStatusCode.BadRequest, replayStatus);
        Assert.Equal("invalid_grant", replay.GetProperty("error").GetString());
        Assert.Equal("authorization code does not exist", replay.GetProperty("error_description").GetString());
    }

    [Fact]
    public async Task AdminUser_PassesRolePoliciesAndClaimMappedCapabilities()
    {
        await using var server = await StartAsync();
        var tokens = await new OAuthTestClient(server.BaseUri).LoginAsync("admin-ann");
        var access = tokens.GetProperty("access_token").GetString()!;
        Assert.Equal("secret report", await server.CallAsync(access, "admin_only"));
        Assert.Equal("staff report", await server.CallAsync(access, "staff_report"));
    }

    [Fact]
    public async Task Refresh_RotatesTokensThroughTheProvider_AndRevokeEndsTheSession()
    {
        await using var server = await StartAsync();
        var client = new OAuthTestClient(server.BaseUri);
        var first = await client.LoginAsync("bob");
        var firstAccess = first.GetProperty("access_token").GetString()!;
        var firstRefresh = first.GetProperty("refresh_token").GetString()!;
        var firstExternal = (await server.WhoAmIAsync(firstAccess)).GetProperty("external_token").GetString();

        var (status, second) = await client.RefreshAsync(firstRefresh);
        Assert.True(status == HttpStatusCode.OK, second.ToString());
        var secondAccess = second.GetProperty("access_token").GetString()!;
        var secondRefresh = second.GetProperty("refresh_token").GetString()!;
        Assert.NotEqual(firstAccess, secondAccess);
        Assert.NotEqual(firstRefresh, secondRefresh);

        var me = await server.WhoAmIAsync(secondAccess);
        Assert.Equal("bob", me.GetProperty("username").GetString());
        Assert.NotEqual(firstExternal, me.GetProperty("external_token").GetString());

        using (var old = await server.PostInitializeAsync("Bearer " + firstAccess))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        }

        var (reuseStatus, reuse) = await client.RefreshAsync(firstRefresh);
        Assert.Equal(HttpStatusCode.BadRequest, reuseStatus);
        Assert.Equal("refresh token does not exist", reuse.GetProperty("error_description").GetString());

        var (scopeStatus, scope) = await client.TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = secondRefresh, ["scope"] = "admin" });
        Assert.Equal(HttpStatusCode.BadRequest, scopeStatus);
        Assert.Equal("invalid_scope", scope.GetProperty("error").GetString());
        Assert.Equal("cannot request scope `admin` not provided by refresh token", scope.GetProperty("error_description").GetString());

        Assert.Equal(HttpStatusCode.OK, await client.RevokeAsync(secondRefresh, "refresh_token"));
        using (var revoked = await server.PostInitializeAsync("Bearer " + secondAccess))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        }

        // Unknown tokens are revoked without complaint (RFC 7009).
        Assert.Equal(HttpStatusCode.OK, await client.RevokeAsync("mcp_unknown"));
    }

    [Fact]
    public async Task Metadata_DescribesTheAuthorizationServerAndTheResource()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();
        var issuer = server.BaseUri.ToString().TrimEnd('/');
        var metadata = JsonDocument.Parse(await http.GetStringAsync(new Uri(server.BaseUri, "/.well-known/oauth-authorization-server"), Ct)).RootElement;
        Assert.Equal(issuer, metadata.GetProperty("issuer").GetString());
        Assert.Equal(issuer + "/authorize", metadata.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(issuer + "/token", metadata.GetProperty("token_endpoint").GetString());
        Assert.Equal(issuer + "/register", metadata.GetProperty("registration_endpoint").GetString());
        Assert.Equal(issuer + "/revoke", metadata.GetProperty("revocation_endpoint").GetString());
        Assert.Equal(["S256"], metadata.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));

        var resource = JsonDocument.Parse(await http.GetStringAsync(new Uri(server.BaseUri, "/.well-known/oauth-protected-resource/mcp"), Ct)).RootElement;
        Assert.Equal(issuer + "/mcp", resource.GetProperty("resource").GetString());
        Assert.Equal([issuer], resource.GetProperty("authorization_servers").EnumerateArray().Select(e => e.GetString()));

        using var anonymous = await server.PostInitializeAsync(null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal($"Bearer error=\"invalid_token\", error_description=\"Authentication required\", resource_metadata=\"{issuer}/.well-known/oauth-protected-resource/mcp\"",
            anonymous.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Authorize_BadRequests_GetTheReferenceErrors()
    {
        await using var server = await StartAsync();
        var client = new OAuthTestClient(server.BaseUri);
        await client.RegisterAsync();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        async Task<(HttpStatusCode, string?, JsonElement?)> Get(string query)
        {
            using var response = await http.GetAsync(new Uri(server.BaseUri, "/authorize?" + query), Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            return (response.StatusCode, response.Headers.Location?.ToString(), body.Length > 0 ? JsonDocument.Parse(body).RootElement.Clone() : null);
        }

        var challenge = OAuthTestClient.Challenge(client.Verifier);
        var redirect = Uri.EscapeDataString(OAuthTestClient.RedirectUri);

        var (status, _, body) = await Get($"client_id=nobody&redirect_uri={redirect}&response_type=code&code_challenge={challenge}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_request", body!.Value.GetProperty("error").GetString());
        Assert.Equal("Client ID 'nobody' not found", body.Value.GetProperty("error_description").GetString());

        (status, _, body) = await Get($"client_id={client.ClientId}&redirect_uri={Uri.EscapeDataString("http://127.0.0.1:9/elsewhere")}&response_type=code&code_challenge={challenge}&state=s1");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("Redirect URI 'http://127.0.0.1:9/elsewhere' not registered for client", body!.Value.GetProperty("error_description").GetString());

        // With a known client and redirect URI, errors go back to the client.
        (status, var location, _) = await Get($"client_id={client.ClientId}&redirect_uri={redirect}&response_type=code&state=s2");
        Assert.Equal(HttpStatusCode.Redirect, status);
        var back = new Uri(location!);
        Assert.StartsWith(OAuthTestClient.RedirectUri, location, StringComparison.Ordinal);
        Assert.Equal("invalid_request", BrowserLogin.Query(back, "error"));
        Assert.Equal("code_challenge: Field required", BrowserLogin.Query(back, "error_description"));
        Assert.Equal("s2", BrowserLogin.Query(back, "state"));

        (_, location, _) = await Get($"client_id={client.ClientId}&redirect_uri={redirect}&response_type=token&code_challenge={challenge}");
        Assert.Equal("unsupported_response_type", BrowserLogin.Query(new Uri(location!), "error"));

        (_, location, _) = await Get($"client_id={client.ClientId}&redirect_uri={redirect}&response_type=code&code_challenge={challenge}&code_challenge_method=plain");
        Assert.Equal("code_challenge_method: Input should be 'S256'", BrowserLogin.Query(new Uri(location!), "error_description"));

        (status, _, body) = await Get("");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("client_id: Field required", body!.Value.GetProperty("error_description").GetString(), StringComparison.Ordinal);

        (status, _, body) = await Get("client_id=" + new string('x', 5000));
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task Token_BadRequests_GetTheReferenceErrors()
    {
        await using var server = await StartAsync();
        var client = new OAuthTestClient(server.BaseUri);
        await client.RegisterAsync();
        var code = BrowserLogin.Query(await client.AuthorizeAsync("carol"), "code")!;

        var (status, body) = await client.ExchangeAsync(code, verifier: OAuthTestClient.NewVerifier());
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("incorrect code_verifier", body.GetProperty("error_description").GetString());

        (status, body) = await client.ExchangeAsync(code, redirectUri: "http://127.0.0.1:9/other");
        Assert.Equal("invalid_request", body.GetProperty("error").GetString());
        Assert.Equal("redirect_uri did not match the one used when creating auth code", body.GetProperty("error_description").GetString());

        var other = new OAuthTestClient(server.BaseUri);
        await other.RegisterAsync();
        (status, body) = await other.ExchangeAsync(code, verifier: client.Verifier);
        Assert.Equal("authorization code does not exist", body.GetProperty("error_description").GetString());

        (status, body) = await client.TokenAsync(new() { ["grant_type"] = "authorization_code", ["code"] = code, ["code_verifier"] = client.Verifier, ["redirect_uri"] = OAuthTestClient.RedirectUri, ["client_secret"] = "wrong" });
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
        Assert.Equal("Invalid client_secret", body.GetProperty("error_description").GetString());

        (status, body) = await client.TokenAsync(new() { ["grant_type"] = "authorization_code" }, withSecret: false);
        Assert.Equal("Client secret is required", body.GetProperty("error_description").GetString());

        (status, body) = await OAuthTestClient.Preregistered(server.BaseUri, "", null).TokenAsync(new() { ["grant_type"] = "authorization_code" });
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("Missing client_id", body.GetProperty("error_description").GetString());

        (status, body) = await client.TokenAsync(new() { ["grant_type"] = "password" });
        Assert.Equal("unsupported_grant_type", body.GetProperty("error").GetString());

        (status, body) = await client.TokenAsync(new() { ["grant_type"] = "authorization_code" });
        Assert.Equal("code: Field required\ncode_verifier: Field required", body.GetProperty("error_description").GetString());

        // The code survived every failed attempt above and still works once.
        (status, body) = await client.ExchangeAsync(code);
        Assert.True(status == HttpStatusCode.OK, body.ToString());

        using var http = new HttpClient();
        using var json = await http.PostAsync(new Uri(server.BaseUri, "/token"), new StringContent("{\"grant_type\":\"authorization_code\"}", System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        using var huge = await http.PostAsync(new Uri(server.BaseUri, "/token"), new FormUrlEncodedContent(new Dictionary<string, string> { ["x"] = new string('a', 200_000) }), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, huge.StatusCode);
    }

    [Fact]
    public async Task Callback_BadRequests_AndExpiredLogins_AreRefusedWithoutA500()
    {
        var clock = new ManualTimeProvider();
        await using var server = await StartAsync(services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
        var client = new OAuthTestClient(server.BaseUri);
        await client.RegisterAsync();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        async Task<(HttpStatusCode Status, string Body, Uri? Location)> Get(string pathAndQuery)
        {
            using var response = await http.GetAsync(new Uri(server.BaseUri, pathAndQuery), Ct);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct), response.Headers.Location);
        }

        Assert.Equal((HttpStatusCode.BadRequest, """{"error":"invalid_request"}"""), (await Get("/oidc/callback")) is var r1 ? (r1.Status, r1.Body) : default);
        Assert.Equal((HttpStatusCode.BadRequest, """{"error":"invalid_state","error_description":"State not found or expired"}"""),
            (await Get("/oidc/callback?code=abc&state=nope")) is var r2 ? (r2.Status, r2.Body) : default);
        Assert.Equal(HttpStatusCode.BadRequest, (await Get("/oidc/callback?error=access_denied&state=nope")).Status);

        // The provider's error for a known login goes back to the client with the client's state.
        var toProvider = (await Get(client.AuthorizeUri("mine").PathAndQuery)).Location!;
        var state = BrowserLogin.Query(toProvider, "state")!;
        var denied = await Get($"/oidc/callback?error=access_denied&error_description=User+said+no&state={state}");
        Assert.Equal(HttpStatusCode.Redirect, denied.Status);
        Assert.Equal("access_denied", BrowserLogin.Query(denied.Location!, "error"));
        Assert.Equal("User said no", BrowserLogin.Query(denied.Location!, "error_description"));
        Assert.Equal("mine", BrowserLogin.Query(denied.Location!, "state"));

        // A login older than 300 s has expired.
        toProvider = (await Get(client.AuthorizeUri("late").PathAndQuery)).Location!;
        Assert.StartsWith(op.Provider.Issuer, toProvider.ToString(), StringComparison.Ordinal);
        Assert.Equal("S256", BrowserLogin.Query(toProvider, "code_challenge_method"));
        clock.Advance(TimeSpan.FromSeconds(301));
        var late = await Get($"/oidc/callback?code=whatever&state={BrowserLogin.Query(toProvider, "state")}");
        Assert.Equal(HttpStatusCode.BadRequest, late.Status);
        Assert.Contains("invalid_state", late.Body, StringComparison.Ordinal);

        // So has a code older than 300 s.
        var code = BrowserLogin.Query(await client.AuthorizeAsync("dan"), "code")!;
        clock.Advance(TimeSpan.FromSeconds(301));
        var (status, body) = await client.ExchangeAsync(code);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("authorization code does not exist", body.GetProperty("error_description").GetString());
    }

    [Fact]
    public async Task ActiveSessionsGauge_CountsSignedInSessions_RevokedOnesLeave()
    {
        var observed = new System.Collections.Concurrent.ConcurrentBag<(long Value, string? Provider)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "mxcp" && instrument.Name == "mxcp.auth.active_sessions")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? provider = null;
            foreach (var tag in tags)
            {
                provider = tag.Key == "provider" ? tag.Value as string : provider;
            }

            observed.Add((value, provider));
        });
        listener.Start();

        await using var server = await StartAsync();
        var startup = server.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Mxcp.Authentication.Hosting.AuthenticationStartup>().Single();
        async Task<long> CountAfterTick()
        {
            await startup.CountActiveSessionsAsync(Ct);
            return startup.ActiveSessions!.Count;
        }

        Assert.Equal(0, await CountAfterTick());
        var client = new OAuthTestClient(server.BaseUri);
        var ann = await client.LoginAsync("ann");
        var bob = await client.LoginAsync("bob");
        Assert.Equal(2, await CountAfterTick());

        listener.RecordObservableInstruments();
        Assert.Contains((2L, "oidc"), observed);

        Assert.Equal(HttpStatusCode.OK, await client.RevokeAsync(ann.GetProperty("access_token").GetString()!));
        Assert.Equal(1, await CountAfterTick());
        Assert.NotNull(bob.GetProperty("access_token").GetString());
    }

    [Fact]
    public async Task Register_BadRequests_GetInvalidClientMetadata()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        async Task<(HttpStatusCode, string?)> Post(string json)
        {
            using var response = await http.PostAsync(new Uri(server.BaseUri, "/register"), new StringContent(json, System.Text.Encoding.UTF8, "application/json"), Ct);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
            return (response.StatusCode, body.TryGetProperty("error_description", out var d) ? d.GetString() : null);
        }

        Assert.Equal((HttpStatusCode.BadRequest, "redirect_uris: Field required"), await Post("{}"));
        Assert.Equal((HttpStatusCode.BadRequest, "redirect_uris: List should have at least 1 item after validation, not 0"), await Post("""{"redirect_uris":[]}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "redirect_uris.0: URL scheme 'javascript' is not allowed"), await Post("""{"redirect_uris":["javascript:alert(1)"]}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "redirect_uris.0: URL must not contain a fragment"), await Post("""{"redirect_uris":["https://x.example/cb#f"]}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "grant_types must include 'authorization_code'"), await Post("""{"redirect_uris":["https://x.example/cb"],"grant_types":["refresh_token"]}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "token_endpoint_auth_method 'private_key_jwt' is not supported"), await Post("""{"redirect_uris":["https://x.example/cb"],"token_endpoint_auth_method":"private_key_jwt"}"""));
        Assert.Equal((HttpStatusCode.BadRequest, "Invalid JSON"), await Post("{"));
        Assert.Equal((HttpStatusCode.BadRequest, "Input should be an object"), await Post("[1]"));
        var (status, _) = await Post("""{"redirect_uris":["https://x.example/cb"],"client_name":"x""" + new string('x', 100_000) + "\"}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);

        var publicClient = new OAuthTestClient(server.BaseUri);
        var registration = await publicClient.RegisterAsync(authMethod: "none");
        Assert.False(registration.TryGetProperty("client_secret", out _));
        var tokens = await publicClient.LoginAsync("pat");
        Assert.Equal("pat", (await server.WhoAmIAsync(tokens.GetProperty("access_token").GetString()!)).GetProperty("username").GetString());
    }

    [Fact]
    public async Task PreregisteredClient_FromTheConfiguration_SignsInWithoutRegistration()
    {
        await using var server = await StartAsync(clients: $"""
            clients:
              - client_id: desktop-app
                name: Desktop app
                client_secret: desktop-secret-value
                redirect_uris: ["{OAuthTestClient.RedirectUri}", "not a uri"]
                grant_types: [authorization_code, refresh_token]
            """);
        var client = OAuthTestClient.Preregistered(server.BaseUri, "desktop-app", "desktop-secret-value");
        var tokens = await client.LoginAsync("quinn");
        Assert.Equal("quinn", (await server.WhoAmIAsync(tokens.GetProperty("access_token").GetString()!)).GetProperty("username").GetString());
        var (status, _) = await client.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Restart_KeepsUsersSignedIn()
    {
        var root = AuthTestServer.NewRoot();
        try
        {
            JsonElement tokens;
            await using (var first = await StartAsync(root: root))
            {
                tokens = await new OAuthTestClient(first.BaseUri).LoginAsync("rita");
            }

            await using var second = await StartAsync(root: root);
            var access = tokens.GetProperty("access_token").GetString()!;
            Assert.Equal("rita", (await second.WhoAmIAsync(access)).GetProperty("username").GetString());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
