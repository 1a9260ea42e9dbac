using Microsoft.AspNetCore.Routing;

namespace Mxcp.AspNetCore.Http;

/// <summary>
/// Lets a package that extends the MCP endpoint (Mxcp's own authentication) add its conventions and routes when
/// <c>MapMxcp</c> maps it. Registered in DI; applied once per <c>MapMxcp</c> call, in registration order.
/// </summary>
internal interface IMxcpEndpointConventions
{
    /// <param name="endpoints">The route builder <c>MapMxcp</c> was called on (routes at its root, such as OAuth endpoints).</param>
    /// <param name="mcp">The group of the MCP endpoint itself.</param>
    void Apply(IEndpointRouteBuilder endpoints, RouteGroupBuilder mcp);
}
