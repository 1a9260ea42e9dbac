using System.Text.Json;
using System.Text.Json.Serialization;
using Mxcp.Abstractions;

namespace Mxcp.Authentication.Storage;

/// <summary>A registered OAuth client: pre-registered in the configuration, or by dynamic registration.</summary>
internal sealed record OAuthClient
{
    public required string ClientId { get; init; }

    /// <summary>SHA-256 of the client secret; <see langword="null"/> for public clients.</summary>
    public string? SecretHash { get; init; }

    /// <summary><c>none</c>, <c>client_secret_post</c> or <c>client_secret_basic</c>.</summary>
    public required string AuthMethod { get; init; }

    public required IReadOnlyList<string> RedirectUris { get; init; }

    public required IReadOnlyList<string> GrantTypes { get; init; }

    public IReadOnlyList<string> ResponseTypes { get; init; } = ["code"];

    public string? Scope { get; init; }

    public string? ClientName { get; init; }

    public required long IssuedAt { get; init; }

    /// <summary>Whether the configuration registered it (it is rewritten at every start).</summary>
    public bool FromConfig { get; init; }
}

/// <summary>A login in progress between <c>/authorize</c> and the provider's callback (one-time, 300 s).</summary>
internal sealed record PendingLogin
{
    public required string ClientId { get; init; }

    public required string RedirectUri { get; init; }

    public required bool RedirectUriExplicit { get; init; }

    /// <summary>The client's PKCE challenge (S256).</summary>
    public required string CodeChallenge { get; init; }

    /// <summary>The client's own <c>state</c>, returned to it with the code.</summary>
    public string? ClientState { get; init; }

    /// <summary>Mxcp's PKCE verifier towards the provider, when the provider supports PKCE. A secret.</summary>
    public string? ProviderCodeVerifier { get; init; }

    public IReadOnlyList<string> ProviderScopes { get; init; } = [];

    /// <summary>The callback URL sent to the provider: the code exchange must repeat it exactly.</summary>
    public required string CallbackUrl { get; init; }

    public required long ExpiresAt { get; init; }
}

/// <summary>An authorization code issued to a client after the provider's login (one-time, 300 s).</summary>
internal sealed record IssuedCode(string SessionId, string ClientId, string RedirectUri, bool RedirectUriExplicit, string CodeChallenge, long ExpiresAt);

/// <summary>The user of a session as the provider described them.</summary>
internal sealed record StoredUser
{
    [JsonPropertyName("provider")]
    public required string Provider { get; init; }

    [JsonPropertyName("user_id")]
    public required string UserId { get; init; }

    [JsonPropertyName("username")]
    public required string Username { get; init; }

    [JsonPropertyName("email")]
    public string? Email { get; init; }

    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("avatar_url")]
    public string? AvatarUrl { get; init; }

    [JsonPropertyName("raw_profile")]
    public JsonElement? RawProfile { get; init; }

    [JsonPropertyName("provider_scopes_granted")]
    public IReadOnlyList<string> ProviderScopes { get; init; } = [];

    public UserContext ToUserContext(string? externalToken) => new()
    {
        Provider = Provider,
        UserId = UserId,
        Username = Username,
        Email = Email,
        Name = Name,
        AvatarUrl = AvatarUrl,
        RawProfile = RawProfile,
        ExternalToken = externalToken,
    };

    public override string ToString() => $"{Provider}:{Username}";
}

/// <summary>
/// A signed-in user of a client: the user's profile, the provider's tokens (kept encrypted), and the hashes of the
/// access and refresh tokens Mxcp issued for it (none until the client exchanged its code).
/// </summary>
internal sealed record OAuthSession
{
    public required string SessionId { get; init; }

    public required string ClientId { get; init; }

    public required StoredUser User { get; init; }

    /// <summary>The provider's access token: the user's external token. A secret.</summary>
    public string? ProviderAccessToken { get; init; }

    /// <summary>The provider's refresh token. A secret.</summary>
    public string? ProviderRefreshToken { get; init; }

    public long? ProviderExpiresAt { get; init; }

    public long? AccessExpiresAt { get; init; }

    public long? RefreshExpiresAt { get; init; }

    public required long CreatedAt { get; init; }

    public override string ToString() => $"session {SessionId} of {User}";
}
