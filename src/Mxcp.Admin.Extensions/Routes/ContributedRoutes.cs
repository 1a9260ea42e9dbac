using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Mxcp.Abstractions;

namespace Mxcp.Admin.Routes;

/// <summary>
/// The routes plugins add to the admin API (<see cref="IAdminApiContributor"/>): mapped into every mount, behind its
/// protection, with JSON bodies read here (at most <see cref="MaxBodyBytes"/>) so that a plugin needs no web framework.
/// </summary>
internal static class ContributedRoutes
{
    /// <summary>The largest request body a contributed route accepts.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    public static IReadOnlyList<IAdminApiContributor> Contributors(AdminApi api) => [.. api.Services.GetServices<IAdminApiContributor>()];

    public static void Map(IEndpointRouteBuilder group, AdminApi api)
    {
        foreach (var contributor in Contributors(api))
        {
            foreach (var route in contributor.Routes)
            {
                group.MapMethods(route.Pattern, [route.Method], (Delegate)((HttpContext context) => HandleAsync(route, context)));
            }
        }
    }

    private static async Task<IResult> HandleAsync(AdminApiRoute route, HttpContext context)
    {
        JsonElement? body = null;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            if (context.Request.ContentLength > MaxBodyBytes)
            {
                return AdminErrors.Result(StatusCodes.Status413PayloadTooLarge, "payload_too_large", $"The request body is larger than {MaxBodyBytes} bytes");
            }

            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxBodyBytes)
                {
                    return AdminErrors.Result(StatusCodes.Status413PayloadTooLarge, "payload_too_large", $"The request body is larger than {MaxBodyBytes} bytes");
                }

                buffer.Write(chunk, 0, read);
            }

            if (buffer.Length > 0)
            {
                try
                {
                    using var document = JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
                    body = document.RootElement.Clone();
                }
                catch (JsonException e)
                {
                    return AdminErrors.BadRequest($"The request body is not JSON: {e.Message}");
                }
            }
        }

        var request = new AdminApiRequest
        {
            RouteValues = context.Request.RouteValues.Where(v => v.Value is not null).ToDictionary(v => v.Key, v => Convert.ToString(v.Value, System.Globalization.CultureInfo.InvariantCulture)!, StringComparer.OrdinalIgnoreCase),
            Query = context.Request.Query.ToDictionary(q => q.Key, q => q.Value.Count > 0 ? q.Value[0] ?? "" : "", StringComparer.OrdinalIgnoreCase),
            Body = body,
        };
        var response = await route.Handler(request, context.RequestAborted).ConfigureAwait(false);
        return Results.Json(response.Body, statusCode: response.StatusCode);
    }
}
