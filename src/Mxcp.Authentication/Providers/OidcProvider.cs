using System.Text.Json;
using Microsoft.Extensions.Logging;
using Mxcp.Authentication.Configuration;
using Mxcp.Authentication.Storage;

namespace Mxcp.Authentication.Providers;

/// <summary>
/// Any OpenID Connect provider, from its discovery document (read at start-up): PKCE S256 unless the document lists
/// other methods only, <c>audience</c> on authorize and token requests when configured, the configured
/// <c>extra_authorize_params</c>, the user from the userinfo endpoint. Named <c>provider_name</c> (default <c>oidc</c>).
/// </summary>
internal sealed class OidcProvider(ProviderSettings settings, HttpClient http, TimeProvider time, ILogger logger)
    : OAuthProvider(settings, http, time, logger)
{
    private OidcDiscovery? _discovery;

    public override string Name => Settings.ProviderName ?? "oidc";

    protected override string DisplayName => "OIDC";

    public override bool SupportsPkce => Discovery.CodeChallengeMethods is not { Count: > 0 } methods || methods.Contains("S256");

    protected override string AuthorizeEndpoint => Discovery.AuthorizationEndpoint;

    protected override string TokenEndpoint => Discovery.TokenEndpoint;

    private OidcDiscovery Discovery => _discovery ?? throw new InvalidOperationException("The OpenID provider's discovery document has not been read.");

    public override async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var discovery = await OidcDiscovery.FetchAsync(Http, Settings.ConfigUrl!, cancellationToken).ConfigureAwait(false);
        if (discovery.UserInfoEndpoint is null)
        {
            throw new ProviderException("server_error", "OIDC discovery document missing userinfo_endpoint", 500);
        }

        _discovery = discovery;
    }

    protected override IEnumerable<KeyValuePair<string, string>> AuthorizeParameters(string redirectUri, string state)
    {
        yield return new("client_id", Settings.ClientId);
        yield return new("response_type", "code");
        yield return new("redirect_uri", redirectUri);
        yield return new("scope", Settings.Scope);
        yield return new("state", state);
        if (Settings.Audience is { } audience)
        {
            yield return new("audience", audience);
        }
    }

    protected override void AddTokenParameters(Dictionary<string, string> form)
    {
        if (Settings.Audience is { } audience)
        {
            form["audience"] = audience;
        }
    }

    public override async Task<StoredUser> FetchUserAsync(string accessToken, CancellationToken cancellationToken)
    {
        var profile = await GetUserJsonAsync(Discovery.UserInfoEndpoint!, accessToken, "userinfo", cancellationToken).ConfigureAwait(false);
        return UserFromClaims(Name, "OIDC", profile);
    }

    /// <summary>An OpenID user: <c>sub</c>, user name <c>preferred_username</c>, else the e-mail's local part, else <c>sub</c>.</summary>
    internal static StoredUser UserFromClaims(string provider, string displayName, JsonElement claims)
    {
        var id = String(claims, "sub") ?? throw new ProviderException("invalid_token", $"{displayName} profile missing sub");
        var email = String(claims, "email");
        return new StoredUser
        {
            Provider = provider,
            UserId = id,
            Username = String(claims, "preferred_username") ?? LocalPart(email) ?? id,
            Email = email,
            Name = String(claims, "name"),
            AvatarUrl = String(claims, "picture"),
            RawProfile = claims,
        };
    }
}
