using System.Text.Json;
using Microsoft.Extensions.Logging;
using Mxcp.Authentication.Configuration;
using Mxcp.Authentication.Storage;

namespace Mxcp.Authentication.Providers;

/// <summary>
/// GitHub OAuth apps: the user from <c>https://api.github.com/user</c> (id, login), the e-mail from
/// <c>/user/emails</c> when the profile hides it (primary and verified first); granted scopes are comma-separated.
/// </summary>
internal sealed class GitHubProvider(ProviderSettings settings, HttpClient http, TimeProvider time, ILogger logger)
    : OAuthProvider(settings, http, time, logger)
{
    public const string UserUrl = "https://api.github.com/user";

    protected override string DisplayName => "GitHub";

    protected override string AuthorizeEndpoint => Settings.AuthUrl!;

    protected override string TokenEndpoint => Settings.TokenUrl!;

    protected override char GrantedScopeSeparator => ',';

    public override async Task<StoredUser> FetchUserAsync(string accessToken, CancellationToken cancellationToken)
    {
        var profile = await GetUserJsonAsync(UserUrl, accessToken, "user", cancellationToken, "application/vnd.github+json").ConfigureAwait(false);
        var id = String(profile, "id") ?? throw new ProviderException("invalid_token", "GitHub profile missing id");
        var email = String(profile, "email") ?? await FetchEmailAsync(accessToken, cancellationToken).ConfigureAwait(false);
        return new StoredUser
        {
            Provider = Name,
            UserId = id,
            Username = String(profile, "login") ?? id,
            Email = email,
            Name = String(profile, "name"),
            AvatarUrl = String(profile, "avatar_url"),
            RawProfile = profile,
        };
    }

    private async Task<string?> FetchEmailAsync(string accessToken, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, UserUrl + "/emails");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", accessToken);
        request.Headers.Accept.ParseAdd("application/vnd.github+json");
        try
        {
            using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var entries = document.RootElement.EnumerateArray()
                .Where(e => e.ValueKind == JsonValueKind.Object && String(e, "email") is not null)
                .Select(e => (Email: String(e, "email")!, Primary: Flag(e, "primary"), Verified: Flag(e, "verified")))
                .ToList();
            return entries.FirstOrDefault(e => e.Primary && e.Verified).Email
                ?? entries.FirstOrDefault(e => e.Verified).Email
                ?? entries.FirstOrDefault().Email;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private static bool Flag(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;
}
