using System.Text.Json;

namespace Mxcp.Abstractions;

/// <summary>
/// The authenticated user of a call. <see cref="ToString"/> never prints <see cref="ExternalToken"/>.
/// </summary>
public sealed class UserContext
{
    /// <summary>The identity provider (<c>github</c>, <c>google</c>, <c>oidc</c>, ..., <c>cli</c> or <c>test</c>).</summary>
    public required string Provider { get; init; }

    /// <summary>The provider's user id.</summary>
    public string? UserId { get; init; }

    /// <summary>The user name.</summary>
    public string? Username { get; init; }

    /// <summary>The e-mail address.</summary>
    public string? Email { get; init; }

    /// <summary>The display name.</summary>
    public string? Name { get; init; }

    /// <summary>The avatar URL.</summary>
    public string? AvatarUrl { get; init; }

    /// <summary>The provider's raw profile (claims); <c>role</c> and <c>permissions</c> are read from it by policies.</summary>
    public JsonElement? RawProfile { get; init; }

    /// <summary>The user's upstream access token, for calling the provider's APIs on their behalf. A secret.</summary>
    public string? ExternalToken { get; init; }

    /// <summary>Capabilities derived from the profile by the configured claim mappings.</summary>
    public IReadOnlyList<string> Capabilities { get; init; } = [];

    /// <inheritdoc />
    public override string ToString() => $"{Provider}:{Username ?? UserId ?? "?"}";
}
