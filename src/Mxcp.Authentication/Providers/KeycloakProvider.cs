using Microsoft.Extensions.Logging;
using Mxcp.Authentication.Configuration;
using Mxcp.Authentication.Storage;

namespace Mxcp.Authentication.Providers;

/// <summary>
/// Keycloak: the realm's endpoints <c>{server_url}/realms/{realm}/protocol/openid-connect/{auth,token,userinfo}</c>,
/// the user by <c>sub</c> and <c>preferred_username</c>.
/// </summary>
internal sealed class KeycloakProvider(ProviderSettings settings, HttpClient http, TimeProvider time, ILogger logger)
    : OAuthProvider(settings, http, time, logger)
{
    private string RealmBase => $"{Settings.ServerUrl}/realms/{Uri.EscapeDataString(Settings.Realm!)}/protocol/openid-connect";

    protected override string DisplayName => "Keycloak";

    protected override string AuthorizeEndpoint => RealmBase + "/auth";

    protected override string TokenEndpoint => RealmBase + "/token";

    protected override IEnumerable<KeyValuePair<string, string>> AuthorizeParameters(string redirectUri, string state) =>
    [
        new("client_id", Settings.ClientId),
        new("response_type", "code"),
        new("redirect_uri", redirectUri),
        new("scope", Settings.Scope),
        new("state", state),
    ];

    public override async Task<StoredUser> FetchUserAsync(string accessToken, CancellationToken cancellationToken)
    {
        var profile = await GetUserJsonAsync(RealmBase + "/userinfo", accessToken, "userinfo", cancellationToken).ConfigureAwait(false);
        return OidcProvider.UserFromClaims(Name, "Keycloak", profile);
    }
}
