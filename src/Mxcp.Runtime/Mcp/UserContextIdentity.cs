using System.Security.Claims;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Mcp;

/// <summary>
/// An authenticated identity that already carries the <see cref="UserContext"/> of its user (Mxcp's own authentication
/// builds one per request). Its claims are the user's id (<c>sub</c>) and name, which the MCP SDK binds sessions to;
/// the user context travels with it untouched, external token included.
/// </summary>
internal sealed class UserContextIdentity : ClaimsIdentity
{
    public UserContextIdentity(UserContext user, IEnumerable<Claim> claims)
        : base(claims, user.Provider, "preferred_username", "role")
    {
        User = user;
    }

    public UserContext User { get; }
}
