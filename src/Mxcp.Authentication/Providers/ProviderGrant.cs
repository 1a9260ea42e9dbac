namespace Mxcp.Authentication.Providers;

/// <summary>
/// The provider's answer to a code exchange or a refresh. The tokens are secrets; <see cref="ToString"/> omits them.
/// Times are Unix seconds.
/// </summary>
internal sealed record ProviderGrant(string AccessToken, string? RefreshToken, string? IdToken, long? ExpiresAt, long? RefreshExpiresAt, IReadOnlyList<string> ScopesGranted)
{
    public override string ToString() => $"grant (expires {ExpiresAt?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}, scopes {string.Join(' ', ScopesGranted)})";
}
