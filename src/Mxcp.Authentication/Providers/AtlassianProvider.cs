using Microsoft.Extensions.Logging;
using Mxcp.Authentication.Configuration;
using Mxcp.Authentication.Storage;

namespace Mxcp.Authentication.Providers;

/// <summary>
/// Atlassian 3LO (Jira, Confluence): <c>audience=api.atlassian.com</c> and <c>prompt=consent</c> on the authorize URL,
/// token requests as JSON, the user from <c>https://api.atlassian.com/me</c> (account_id; nickname, else the e-mail's
/// local part).
/// </summary>
internal sealed class AtlassianProvider(ProviderSettings settings, HttpClient http, TimeProvider time, ILogger logger)
    : OAuthProvider(settings, http, time, logger)
{
    public const string UserUrl = "https://api.atlassian.com/me";

    protected override string DisplayName => "Atlassian";

    protected override string AuthorizeEndpoint => Settings.AuthUrl!;

    protected override string TokenEndpoint => Settings.TokenUrl!;

    protected override bool JsonTokenRequests => true;

    protected override IEnumerable<KeyValuePair<string, string>> AuthorizeParameters(string redirectUri, string state) =>
    [
        new("audience", "api.atlassian.com"),
        .. base.AuthorizeParameters(redirectUri, state),
        new("prompt", "consent"),
    ];

    public override async Task<StoredUser> FetchUserAsync(string accessToken, CancellationToken cancellationToken)
    {
        var profile = await GetUserJsonAsync(UserUrl, accessToken, "me", cancellationToken).ConfigureAwait(false);
        var id = String(profile, "account_id") ?? throw new ProviderException("invalid_token", "Atlassian profile missing account_id");
        var email = String(profile, "email");
        return new StoredUser
        {
            Provider = Name,
            UserId = id,
            Username = String(profile, "nickname") ?? LocalPart(email) ?? id,
            Email = email,
            Name = String(profile, "name"),
            AvatarUrl = String(profile, "picture"),
            RawProfile = profile,
        };
    }
}
