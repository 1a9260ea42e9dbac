using Microsoft.AspNetCore.Authorization;
using Mxcp.Authentication.Hosting;

namespace Mxcp.Authentication.Bearer;

/// <summary>
/// Access to the MCP endpoint: a user signed in by the <c>Mxcp</c> scheme with every scope of
/// <c>authorization.required_scopes</c> (an anonymous caller is challenged, 401; a user without a scope is forbidden,
/// 403 <c>insufficient_scope</c>), or anyone when the profile has no auth and that is allowed. Read when the check runs,
/// once the configuration is loaded.
/// </summary>
internal sealed class RequiredScopesRequirement : IAuthorizationRequirement
{
    public static readonly RequiredScopesRequirement Instance = new();
}

internal sealed class RequiredScopesHandler(MxcpAuthenticationState state) : AuthorizationHandler<RequiredScopesRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, RequiredScopesRequirement requirement)
    {
        if (state.IsDisabled)
        {
            context.Succeed(requirement);
        }
        else if (context.User.Identity?.IsAuthenticated == true)
        {
            var granted = MxcpBearerHandler.GrantedScopes(context.User);
            if (state.Settings is { } settings && settings.RequiredScopes.All(granted.Contains))
            {
                context.Succeed(requirement);
            }
        }

        return Task.CompletedTask;
    }
}
