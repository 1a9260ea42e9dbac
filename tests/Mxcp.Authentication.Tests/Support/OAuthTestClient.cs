using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mxcp.Tests.Shared;

namespace Mxcp.Authentication.Tests.Support;

/// <summary>An MCP client's side of Mxcp's OAuth server, by plain HTTP: registration, authorize, token, revoke.</summary>
internal sealed class OAuthTestClient(Uri server)
{
    public const string RedirectUri = "http://127.0.0.1:9/client/callback";

    public string ClientId { get; private set; } = "";

    public string? ClientSecret { get; private set; }

    public string Verifier { get; private set; } = NewVerifier();

    public static string NewVerifier() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Challenge(string verifier) => Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static OAuthTestClient Preregistered(Uri server, string clientId, string? secret) => new(server) { ClientId = clientId, ClientSecret = secret };

    public async Task<JsonElement> RegisterAsync(string redirectUri = RedirectUri, string? authMethod = null)
    {
        using var http = new HttpClient();
        var body = new Dictionary<string, object> { ["redirect_uris"] = new[] { redirectUri }, ["client_name"] = "auth tests" };
        if (authMethod is not null)
        {
            body["token_endpoint_auth_method"] = authMethod;
        }

        using var response = await http.PostAsJsonAsync(new Uri(server, "/register"), body, TestContext.Current.CancellationToken);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone();
        Assert.True(response.StatusCode == HttpStatusCode.Created, json.ToString());
        ClientId = json.GetProperty("client_id").GetString()!;
        ClientSecret = json.TryGetProperty("client_secret", out var s) ? s.GetString() : null;
        return json;
    }

    public Uri AuthorizeUri(string? state = "client-state", string redirectUri = RedirectUri, string? challenge = null) =>
        new(server, "/authorize?" + string.Join("&", new Dictionary<string, string?>
        {
            ["client_id"] = ClientId,
            ["redirect_uri"] = redirectUri,
            ["response_type"] = "code",
            ["code_challenge"] = challenge ?? Challenge(Verifier),
            ["code_challenge_method"] = "S256",
            ["state"] = state,
        }.Where(p => p.Value is not null).Select(p => p.Key + "=" + Uri.EscapeDataString(p.Value!))));

    /// <summary>Authorize, sign in at the provider as <paramref name="login"/>, and return the redirect back to the client.</summary>
    public Task<Uri> AuthorizeAsync(string login, string? state = "client-state") =>
        BrowserLogin.FollowAsync(AuthorizeUri(state), login, RedirectUri, cancellationToken: TestContext.Current.CancellationToken);

    public async Task<(HttpStatusCode Status, JsonElement Body)> TokenAsync(Dictionary<string, string> form, bool withSecret = true)
    {
        form.TryAdd("client_id", ClientId);
        if (withSecret && ClientSecret is not null)
        {
            form.TryAdd("client_secret", ClientSecret);
        }

        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(server, "/token"), new FormUrlEncodedContent(form), TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> ExchangeAsync(string code, string? verifier = null, string redirectUri = RedirectUri) =>
        TokenAsync(new() { ["grant_type"] = "authorization_code", ["code"] = code, ["code_verifier"] = verifier ?? Verifier, ["redirect_uri"] = redirectUri });

    public Task<(HttpStatusCode Status, JsonElement Body)> RefreshAsync(string refreshToken) =>
        TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken });

    /// <summary>The whole login of <paramref name="login"/>: registration (unless pre-registered), authorize, token.</summary>
    public async Task<JsonElement> LoginAsync(string login)
    {
        if (ClientId.Length == 0)
        {
            await RegisterAsync();
        }

        var back = await AuthorizeAsync(login);
        var code = BrowserLogin.Query(back, "code") ?? throw new InvalidOperationException("no code in " + back);
        var (status, tokens) = await ExchangeAsync(code);
        Assert.True(status == HttpStatusCode.OK, tokens.ToString());
        return tokens;
    }

    public async Task<HttpStatusCode> RevokeAsync(string token, string? hint = null)
    {
        var form = new Dictionary<string, string> { ["token"] = token, ["client_id"] = ClientId };
        if (ClientSecret is not null)
        {
            form["client_secret"] = ClientSecret;
        }

        if (hint is not null)
        {
            form["token_type_hint"] = hint;
        }

        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(server, "/revoke"), new FormUrlEncodedContent(form), TestContext.Current.CancellationToken);
        return response.StatusCode;
    }
}
