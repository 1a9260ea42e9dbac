using Microsoft.Extensions.Logging;
using Mxcp.Authentication.Configuration;
using Mxcp.Authentication.Storage;

namespace Mxcp.Authentication.Providers;

/// <summary>
/// Google: <c>access_type=offline</c> and <c>prompt=consent</c> (for a refresh token), the user from
/// <c>https://www.googleapis.com/oauth2/v2/userinfo</c> (sub or id; the e-mail's local part as user name).
/// </summary>
internal sealed class GoogleProvider(ProviderSettings settings, HttpClient http, TimeProvider time, ILogger logger)
    : OAuthProvider(settings, http, time, logger)
{
    public const string UserUrl = "https://www.googleapis.com/oauth2/v2/userinfo";

    protected override string DisplayName => "Google";

    protected override string AuthorizeEndpoint => Settings.AuthUrl!;

    protected override string TokenEndpoint => Settings.TokenUrl!;

    protected override IEnumerable<KeyValuePair<string, string>> AuthorizeParameters(string redirectUri, string state) =>
    [
        .. base.AuthorizeParameters(redirectUri, state),
        new("access_type", "offline"),
        new("prompt", "consent"),
    ];

    public override async Task<StoredUser> FetchUserAsync(string accessToken, CancellationToken cancellationToken)
    {
        var profile = await GetUserJsonAsync(UserUrl, accessToken, "userinfo", cancellationToken).ConfigureAwait(false);
        var id = String(profile, "sub") ?? String(profile, "id") ?? throw new ProviderException("invalid_token", "Google profile missing id");
        var email = String(profile, "email");
        return new StoredUser
        {
            Provider = Name,
            UserId = id,
            Username = LocalPart(email) ?? id,
            Email = email,
            Name = String(profile, "name"),
            AvatarUrl = String(profile, "picture"),
            RawProfile = profile,
        };
    }
}
