using System.Security.Claims;

namespace Mxcp.AspNetCore.Http;

/// <summary>
/// The claim that binds a session to the user who opened it; later requests must present the same one. The same claims
/// as the SDK's Streamable HTTP sessions: <c>nameidentifier</c>, then <c>sub</c>, then <c>upn</c>.
/// </summary>
internal sealed record UserIdClaim(string Type, string Value, string Issuer)
{
    public static UserIdClaim? From(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        var claim = user.FindFirst(ClaimTypes.NameIdentifier) ?? user.FindFirst("sub") ?? user.FindFirst(ClaimTypes.Upn);
        return claim is null ? null : new UserIdClaim(claim.Type, claim.Value, claim.Issuer);
    }
}
