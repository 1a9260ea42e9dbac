using Mxcp.Abstractions;

namespace Mxcp.Authentication.Bearer;

/// <summary>A bearer token that checked out: its user and the scopes granted to it.</summary>
internal sealed record ValidatedToken(UserContext User, IReadOnlyList<string> Scopes);

/// <summary>Checks bearer tokens: Mxcp's own sessions (issuer mode) or the OpenID provider's tokens (verifier mode).</summary>
internal interface IAccessTokenValidator
{
    /// <summary>The token's user, or <see langword="null"/> when the token is not valid (expired, revoked, forged, ...).</summary>
    Task<ValidatedToken?> ValidateAsync(string token, Microsoft.AspNetCore.Http.HttpContext context, CancellationToken cancellationToken);
}
