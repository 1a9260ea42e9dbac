using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Primitives;
using Mxcp.AspNetCore.Http;
using Mxcp.Authentication.Hosting;

namespace Mxcp.Authentication.Issuer;

/// <summary>
/// The routes of the authorization server, which exist once issuer mode has started (the callback path comes from the
/// configuration, loaded at start): metadata, <c>/authorize</c>, <c>/token</c>, <c>/register</c>, <c>/revoke</c> and the
/// provider's callback. They answer only the hosts the MCP endpoint accepts, allow anonymous callers, and the routes
/// meant for browser-based clients answer CORS requests.
/// </summary>
internal sealed class OAuthEndpointDataSource(MxcpAuthenticationState state, McpRequestGuard guard) : EndpointDataSource
{
    private readonly Lock _lock = new();
    private IReadOnlyList<Endpoint>? _endpoints;

    public override IReadOnlyList<Endpoint> Endpoints
    {
        get
        {
            if (_endpoints is { } built)
            {
                return built;
            }

            if (state.Issuer is not { } issuer || state.Settings is not { } settings)
            {
                return [];
            }

            lock (_lock)
            {
                return _endpoints ??=
                [
                    Route("/.well-known/oauth-authorization-server", ["GET"], c => Task.FromResult(issuer.Metadata(c)), cors: true),
                    Route("/authorize", ["GET", "POST"], issuer.AuthorizeAsync, cors: false),
                    Route("/token", ["POST"], issuer.TokenAsync, cors: true),
                    Route("/register", ["POST"], issuer.RegisterAsync, cors: true),
                    Route("/revoke", ["POST"], issuer.RevokeAsync, cors: true),
                    Route(settings.Provider.CallbackPath, ["GET"], issuer.CallbackAsync, cors: false),
                ];
            }
        }
    }

    public override IChangeToken GetChangeToken() => _endpoints is null ? state.ChangeToken : Microsoft.Extensions.FileProviders.NullChangeToken.Singleton;

    private Endpoint Route(string pattern, string[] methods, Func<HttpContext, Task<IResult>> handle, bool cors)
    {
        async Task Handle(HttpContext context)
        {
            if (!guard.IsHostAllowed(context))
            {
                await HttpErrors.WriteAsync(context, StatusCodes.Status403Forbidden, HttpErrors.GenericCode,
                    $"Forbidden: Host '{context.Request.Host.Value}' is not allowed (DNS rebinding protection)").ConfigureAwait(false);
                return;
            }

            if (cors)
            {
                context.Response.Headers.AccessControlAllowOrigin = "*";
                if (HttpMethods.IsOptions(context.Request.Method))
                {
                    context.Response.Headers.AccessControlAllowMethods = string.Join(", ", methods.Append("OPTIONS"));
                    context.Response.Headers.AccessControlAllowHeaders = "Authorization, Content-Type, MCP-Protocol-Version";
                    context.Response.StatusCode = StatusCodes.Status204NoContent;
                    return;
                }
            }

            var result = await handle(context).ConfigureAwait(false);
            await result.ExecuteAsync(context).ConfigureAwait(false);
        }

        var builder = new RouteEndpointBuilder(Handle, RoutePatternFactory.Parse(pattern), order: 0) { DisplayName = $"Mxcp OAuth {pattern}" };
        builder.Metadata.Add(new HttpMethodMetadata(cors ? [.. methods, "OPTIONS"] : methods));
        builder.Metadata.Add(new AllowAnonymousAttribute());
        return builder.Build();
    }
}
