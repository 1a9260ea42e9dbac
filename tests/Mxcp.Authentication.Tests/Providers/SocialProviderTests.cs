using System.Text.Json;
using Mxcp.Authentication.Tests.Support;
using Mxcp.Tests.Shared;

namespace Mxcp.Authentication.Tests.Providers;

/// <summary>
/// Each social provider's adapter through Mxcp's whole login, against loopback servers that answer the providers'
/// documented authorize, token and user endpoints: what Mxcp sends them and how it maps their users.
/// </summary>
public sealed class SocialProviderTests : IAsyncLifetime
{
    private FakeSocialProviders _fake = null!;

    public async ValueTask InitializeAsync() => _fake = await FakeSocialProviders.StartAsync();

    public async ValueTask DisposeAsync() => await _fake.DisposeAsync();

    private string Auth(string provider, string scope, string extra = "") => $"""
        provider: {provider}
        {provider}:
          client_id: {FakeSocialProviders.ClientId}
          client_secret: {FakeSocialProviders.ClientSecret}
          callback_path: /{provider}/callback
          auth_url: {_fake.AuthUrl(provider)}
          token_url: {_fake.TokenUrl(provider)}
          scope: "{scope}"
        {extra}
        persistence:
          path: state/oauth.db
        """;

    private async Task<(AuthTestServer Server, OAuthTestClient Client, JsonElement Tokens, JsonElement Me)> LoginAsync(string provider, string scope)
    {
        var server = await AuthTestServer.StartAsync(Auth(provider, scope), options: o => o.BackchannelHttpHandler = _fake.Rewriter);
        var client = new OAuthTestClient(server.BaseUri);
        var tokens = await client.LoginAsync("ignored");
        var me = await server.WhoAmIAsync(tokens.GetProperty("access_token").GetString()!);
        return (server, client, tokens, me);
    }

    [Fact]
    public async Task GitHub_UserAndPrimaryEmail_PkceAndRefresh()
    {
        var (server, client, tokens, me) = await LoginAsync("github", "read:user user:email");
        await using var _ = server;
        Assert.Equal("octocat", me.GetProperty("username").GetString());
        Assert.Equal("octocat@github.com", me.GetProperty("email").GetString());
        Assert.Equal("github", me.GetProperty("provider").GetString());
        Assert.StartsWith("github-access-", me.GetProperty("external_token").GetString(), StringComparison.Ordinal);

        var authorize = Assert.Single(_fake.Where("/github/login/oauth/authorize"));
        Assert.Equal(FakeSocialProviders.ClientId, authorize.Query["client_id"]);
        Assert.Equal(server.BaseUri + "github/callback", authorize.Query["redirect_uri"]);
        Assert.Equal("read:user user:email", authorize.Query["scope"]);
        Assert.Equal("S256", authorize.Query["code_challenge_method"]);
        var token = Assert.Single(_fake.Where("/github/login/oauth/access_token"));
        Assert.Equal("application/x-www-form-urlencoded", token.ContentType);
        Assert.True(token.Fields.ContainsKey("code_verifier"));
        Assert.Single(_fake.Requests, r => r.Host == "api.github.com" && r.Path == "/user/emails");
        Assert.All(_fake.Requests.Where(r => r.Host == "api.github.com"), r => Assert.StartsWith("mxcp/", r.UserAgent, StringComparison.Ordinal));

        var (status, refreshed) = await client.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        var refresh = _fake.Where("/github/login/oauth/access_token").Last();
        Assert.Equal("refresh_token", refresh.Fields["grant_type"]);
        Assert.Equal("github-refresh-2", refresh.Fields["refresh_token"]);
        var after = await server.WhoAmIAsync(refreshed.GetProperty("access_token").GetString()!);
        Assert.NotEqual(me.GetProperty("external_token").GetString(), after.GetProperty("external_token").GetString());
    }

    [Fact]
    public async Task Atlassian_AudienceConsentJsonTokenRequestAndNickname()
    {
        var (server, _, _, me) = await LoginAsync("atlassian", "read:jira-work offline_access");
        await using var _ = server;
        Assert.Equal("jirauser", me.GetProperty("username").GetString());
        Assert.Equal("jira.user@example.com", me.GetProperty("email").GetString());
        var authorize = Assert.Single(_fake.Where("/atlassian/authorize"));
        Assert.Equal("api.atlassian.com", authorize.Query["audience"]);
        Assert.Equal("consent", authorize.Query["prompt"]);
        Assert.Equal("S256", authorize.Query["code_challenge_method"]);
        var token = Assert.Single(_fake.Where("/atlassian/oauth/token"));
        Assert.StartsWith("application/json", token.ContentType, StringComparison.Ordinal);
        Assert.Equal("authorization_code", token.Fields["grant_type"]);
        Assert.Single(_fake.Requests, r => r.Host == "api.atlassian.com" && r.Path == "/me");
    }

    [Fact]
    public async Task Google_OfflineAccessAndIdTokenClaimsInTheProfile()
    {
        // hd comes only in Google's ID token: the claim mapping sees it because token claims join the profile.
        var mapping = "  claim_mappings:\n            hd:\n              example.com: [reports.read]";
        await using var server = await AuthTestServer.StartAsync(Auth("google", "openid email", mapping), options: o => o.BackchannelHttpHandler = _fake.Rewriter);
        var tokens = await new OAuthTestClient(server.BaseUri).LoginAsync("x");
        var me = await server.WhoAmIAsync(tokens.GetProperty("access_token").GetString()!);
        Assert.Equal("gwen", me.GetProperty("username").GetString());
        Assert.Equal("gwen@example.com", me.GetProperty("email").GetString());
        var authorize = Assert.Single(_fake.Where("/google/o/oauth2/v2/auth"));
        Assert.Equal("offline", authorize.Query["access_type"]);
        Assert.Equal("consent", authorize.Query["prompt"]);
        Assert.Single(_fake.Requests, r => r.Host == "www.googleapis.com" && r.Path == "/oauth2/v2/userinfo");
        Assert.Equal("staff report", await server.CallAsync(tokens.GetProperty("access_token").GetString()!, "staff_report"));
    }

    [Fact]
    public async Task Salesforce_NoPkceAndUsername()
    {
        var (server, _, _, me) = await LoginAsync("salesforce", "api refresh_token");
        await using var _ = server;
        Assert.Equal("sales.rep@example.com", me.GetProperty("username").GetString());
        Assert.Equal("salesforce", me.GetProperty("provider").GetString());
        var authorize = Assert.Single(_fake.Where("/salesforce/services/oauth2/authorize"));
        Assert.False(authorize.Query.ContainsKey("code_challenge"));
        Assert.False(Assert.Single(_fake.Where("/salesforce/services/oauth2/token")).Fields.ContainsKey("code_verifier"));
        Assert.Single(_fake.Requests, r => r.Host == "login.salesforce.com" && r.Path == "/services/oauth2/userinfo");
    }

    [Fact]
    public async Task ProviderRefusal_ReachesTheClientAsAnErrorRedirect()
    {
        await using var server = await AuthTestServer.StartAsync(Auth("github", "").Replace(FakeSocialProviders.ClientSecret, "wrong-secret", StringComparison.Ordinal), options: o => o.BackchannelHttpHandler = _fake.Rewriter);
        var client = new OAuthTestClient(server.BaseUri);
        await client.RegisterAsync();
        var back = await client.AuthorizeAsync("x", state: "st");
        Assert.Equal("server_error", BrowserLogin.Query(back, "error"));
        Assert.Equal("GitHub token request failed", BrowserLogin.Query(back, "error_description"));
        Assert.Equal("st", BrowserLogin.Query(back, "state"));
        Assert.Null(BrowserLogin.Query(back, "code"));
        Assert.DoesNotContain("wrong-secret", server.Logs.Text, StringComparison.Ordinal);
    }
}
