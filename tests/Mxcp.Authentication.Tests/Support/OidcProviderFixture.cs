using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mxcp.Tests.Shared;

namespace Mxcp.Authentication.Tests.Support;

/// <summary>One oidc-provider process shared by the tests of a class.</summary>
public sealed class OidcProviderFixture : IAsyncLifetime
{
    private OidcProviderProcess? _provider;

    public OidcProviderProcess Provider => _provider ?? throw new InvalidOperationException("not started");

    /// <summary>A fixture over a provider the test started itself (disposing the fixture stops it).</summary>
    public static OidcProviderFixture Over(OidcProviderProcess provider) => new() { _provider = provider };

    public async ValueTask InitializeAsync() => _provider = await OidcProviderProcess.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }
    }

    /// <summary>
    /// Signs <paramref name="login"/> in at the provider itself (authorization code with PKCE, as an OpenID client would)
    /// and returns its token response. With <paramref name="resource"/>, the access token is a JWT for that audience.
    /// </summary>
    public async Task<JsonElement> LoginAtProviderAsync(string login, string? resource = null, string scope = "openid profile email")
    {
        var verifier = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        const string redirect = "http://127.0.0.1:9/callback";
        var query = new Dictionary<string, string>
        {
            ["client_id"] = Provider.ClientId,
            ["redirect_uri"] = redirect,
            ["response_type"] = "code",
            ["scope"] = scope,
            ["state"] = "s",
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        };
        if (resource is not null)
        {
            query["resource"] = resource;
        }

        var start = new Uri(Provider.Issuer + "/auth?" + string.Join("&", query.Select(p => p.Key + "=" + Uri.EscapeDataString(p.Value))));
        var back = await BrowserLogin.FollowAsync(start, login, redirect, cancellationToken: TestContext.Current.CancellationToken);
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = BrowserLogin.Query(back, "code")!,
            ["redirect_uri"] = redirect,
            ["client_id"] = Provider.ClientId,
            ["client_secret"] = Provider.ClientSecret,
            ["code_verifier"] = verifier,
        };
        if (resource is not null)
        {
            form["resource"] = resource;
        }

        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(Provider.Issuer + "/token"), new FormUrlEncodedContent(form), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
