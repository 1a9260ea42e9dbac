using System.Text.Json;
using Microsoft.Extensions.Logging;
using Mxcp.Authentication.Configuration;
using Mxcp.Authentication.Storage;

namespace Mxcp.Authentication.Providers;

/// <summary>
/// Salesforce: no PKCE, the user from <c>https://login.salesforce.com/services/oauth2/userinfo</c> (user_id; username,
/// else the e-mail's local part; the avatar from <c>photos.picture</c>).
/// </summary>
internal sealed class SalesforceProvider(ProviderSettings settings, HttpClient http, TimeProvider time, ILogger logger)
    : OAuthProvider(settings, http, time, logger)
{
    public const string UserUrl = "https://login.salesforce.com/services/oauth2/userinfo";

    protected override string DisplayName => "Salesforce";

    public override bool SupportsPkce => false;

    protected override string AuthorizeEndpoint => Settings.AuthUrl!;

    protected override string TokenEndpoint => Settings.TokenUrl!;

    public override async Task<StoredUser> FetchUserAsync(string accessToken, CancellationToken cancellationToken)
    {
        var profile = await GetUserJsonAsync(UserUrl, accessToken, "userinfo", cancellationToken).ConfigureAwait(false);
        var id = String(profile, "user_id") ?? throw new ProviderException("invalid_token", "Salesforce profile missing user_id");
        var email = String(profile, "email");
        return new StoredUser
        {
            Provider = Name,
            UserId = id,
            Username = String(profile, "username") ?? LocalPart(email) ?? id,
            Email = email,
            Name = String(profile, "name"),
            AvatarUrl = profile.TryGetProperty("photos", out var photos) && photos.ValueKind == JsonValueKind.Object ? String(photos, "picture") : null,
            RawProfile = profile,
        };
    }
}
