using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;

namespace Mxcp.Admin.Routes;

/// <summary>
/// Answers every request of an admin mount that no route takes with the admin error envelope: 405 with an
/// <c>Allow</c> header when the path exists for other methods, 404 otherwise. It is a catch-all of the lowest
/// precedence, so ASP.NET Core's own empty 404 and 405 never reach admin clients.
/// </summary>
internal static class AdminFallback
{
    public static void Map(IEndpointRouteBuilder group, AdminMount mount)
    {
        group.Map("/{**path}", (HttpContext context) => Answer(context, mount)).WithMetadata(new FallbackMarker());
    }

    private static IResult Answer(HttpContext context, AdminMount mount)
    {
        var path = context.Request.Path;
        var allowed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in context.RequestServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<AdminMount>() != mount || endpoint.Metadata.GetMetadata<FallbackMarker>() is not null)
            {
                continue;
            }

            var matcher = new TemplateMatcher(new RouteTemplate(endpoint.RoutePattern), new RouteValueDictionary());
            if (matcher.TryMatch(path, new RouteValueDictionary()))
            {
                foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
                {
                    allowed.Add(method);
                }
            }
        }

        if (allowed.Count > 0)
        {
            context.Response.Headers.Allow = string.Join(", ", allowed);
            return Results.Json(
                new JsonObject { ["error"] = "method_not_allowed", ["message"] = $"{context.Request.Method} is not allowed on {path}; use {string.Join(" or ", allowed)}" },
                statusCode: StatusCodes.Status405MethodNotAllowed);
        }

        return AdminErrors.NotFound($"No admin route {context.Request.Method} {path}; the routes are listed at {mount.PathPrefix}/openapi.json");
    }

    private sealed class FallbackMarker;
}

/// <summary>Marks the routes of one admin mount (the socket's, or one <c>MapMxcpAdmin</c> call's).</summary>
/// <param name="PathPrefix">The mount's path prefix (empty on the socket).</param>
internal sealed record AdminMount(string PathPrefix)
{
    /// <summary>Each mount is its own, even with the same prefix.</summary>
    public bool Equals(AdminMount? other) => ReferenceEquals(this, other);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}
