using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Mxcp.AspNetCore.Http;
using Mxcp.Authentication.Bearer;
using Mxcp.Authentication.Issuer;

namespace Mxcp.Authentication.Hosting;

/// <summary>
/// What <c>MapMxcp</c> gets from Mxcp's authentication: the MCP endpoint requires a user of the <c>Mxcp</c> scheme with
/// the required scopes (<see cref="RequiredScopesRequirement"/>), and the OAuth routes of issuer mode are added next to
/// it (once).
/// </summary>
internal sealed class AuthEndpointConventions(OAuthEndpointDataSource oauthRoutes) : IMxcpEndpointConventions
{
    public static readonly AuthorizationPolicy Policy = new AuthorizationPolicyBuilder(MxcpAuthenticationDefaults.AuthenticationScheme)
        .AddRequirements(RequiredScopesRequirement.Instance)
        .Build();

    private int _routesAdded;

    public void Apply(IEndpointRouteBuilder endpoints, RouteGroupBuilder mcp)
    {
        mcp.RequireAuthorization(Policy);
        if (Interlocked.Exchange(ref _routesAdded, 1) == 0)
        {
            endpoints.DataSources.Add(oauthRoutes);
        }
    }
}
