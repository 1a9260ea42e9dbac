using Mxcp.Authentication.Tests.Support;
using Mxcp.Tests.Shared;

namespace Mxcp.Authentication.Tests.Providers;

/// <summary>provider: keycloak against a real OpenID provider serving Keycloak's realm URLs.</summary>
public sealed class KeycloakTests : IAsyncLifetime
{
    private OidcProviderProcess _realm = null!;

    public async ValueTask InitializeAsync() => _realm = await OidcProviderProcess.StartAsync(realm: "mxcp", cancellationToken: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await _realm.DisposeAsync();

    [Fact]
    public async Task Keycloak_RealmEndpoints_SignInRefreshAndMapTheUser()
    {
        await using var server = await AuthTestServer.StartAsync($"""
            provider: keycloak
            keycloak:
              client_id: {_realm.ClientId}
              client_secret: {_realm.ClientSecret}
              realm: mxcp
              server_url: {_realm.Issuer}/
              scope: openid profile email
              callback_path: /keycloak/callback
              claim_mappings:
                groups:
                  admins: [reports.read]
            persistence:
              path: state/oauth.db
            """);
        var client = new OAuthTestClient(server.BaseUri);
        await client.RegisterAsync();
        var toRealm = await BrowserLogin.FollowAsync(client.AuthorizeUri(), "admin-kim", _realm.Issuer + "/realms/mxcp/protocol/openid-connect/auth", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(server.BaseUri + "keycloak/callback", BrowserLogin.Query(toRealm, "redirect_uri"));
        Assert.Equal("S256", BrowserLogin.Query(toRealm, "code_challenge_method"));

        var tokens = await client.LoginAsync("admin-kim");
        var access = tokens.GetProperty("access_token").GetString()!;
        var me = await server.WhoAmIAsync(access);
        Assert.Equal("admin-kim", me.GetProperty("username").GetString());
        Assert.Equal("admin-kim@example.com", me.GetProperty("email").GetString());
        Assert.Equal("keycloak", me.GetProperty("provider").GetString());
        Assert.Equal("staff report", await server.CallAsync(access, "staff_report"));

        var (status, refreshed) = await client.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        Assert.True(status == System.Net.HttpStatusCode.OK, refreshed.ToString());
        Assert.Equal("admin-kim", (await server.WhoAmIAsync(refreshed.GetProperty("access_token").GetString()!)).GetProperty("username").GetString());
    }
}
