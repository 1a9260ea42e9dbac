using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Mxcp.AspNetCore;
using Mxcp.AspNetCore.Http;
using Mxcp.Runtime.Reload;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps Mxcp's MCP endpoint and health probes into an ASP.NET Core app.</summary>
public static class MxcpEndpointRouteBuilderExtensions
{
    private const string ServicesMissing = "call builder.Services.AddMxcp(...) (package Mxcp.AspNetCore) before building the app.";

    /// <summary>
    /// Serves the project registered with <c>AddMxcp()</c> over MCP Streamable HTTP at <paramref name="pattern"/> with
    /// the MCP SDK's handler (<c>MapMcp</c>: POST; GET and DELETE when sessions are enabled), and over legacy SSE at
    /// <c>{pattern}/sse</c> and <c>{pattern}/messages/</c> when enabled, as <see cref="MxcpHttpOptions"/> say. Every
    /// request is checked first for Host and Origin (DNS rebinding), the body size and the concurrency limit. The
    /// returned builder accepts the usual conventions (<c>.RequireAuthorization()</c>, <c>.RequireCors()</c>, ...); the
    /// authenticated user of each request flows into the endpoint's call context and policies.
    /// </summary>
    /// <param name="endpoints">The app or a route group.</param>
    /// <param name="pattern">The route of the MCP endpoint; <c>/mcp</c> by default.</param>
    /// <returns>A builder for endpoint conventions.</returns>
    /// <exception cref="InvalidOperationException"><c>AddMxcp()</c> was not called.</exception>
    /// <exception cref="OptionsValidationException"><see cref="MxcpHttpOptions"/> are invalid.</exception>
    public static IEndpointConventionBuilder MapMxcp(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern = "/mcp")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var guard = services.GetService<McpRequestGuard>() ?? throw new InvalidOperationException("MapMxcp() needs the Mxcp services: " + ServicesMissing);
        var options = services.GetRequiredService<IOptions<MxcpHttpOptions>>().Value;

        var root = pattern is "" or "/";
        var group = endpoints.MapGroup(root ? "" : pattern);
        group.AddEndpointFilter(guard);
        group.WithMetadata(MxcpMcpEndpointMetadata.Instance);
        if (!options.LegacySseOnly)
        {
            group.MapMcp("");
        }

        if (options.EnableLegacySse || options.LegacySseOnly)
        {
            var sse = services.GetRequiredService<LegacySseHandler>();
            var messages = (root ? "" : pattern.TrimEnd('/')) + "/messages/";
            group.MapGet("/sse", context => sse.HandleSseAsync(context, messages)).WithDisplayName($"MCP SSE stream {pattern}");
            group.MapPost("/messages", sse.HandleMessageAsync).WithDisplayName($"MCP SSE messages {pattern}").WithMetadata(LegacySseMessagesMetadata.Instance);
        }

        foreach (var conventions in services.GetServices<IMxcpEndpointConventions>())
        {
            conventions.Apply(endpoints, group);
        }

        return group;
    }

    /// <summary>
    /// Maps the liveness probe (<c>GET /health</c>: the process answers) and the readiness probe (<c>GET /ready</c>: the
    /// project is loaded, no reload is draining calls, and the host is not shutting down; 503 otherwise).
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="healthPattern">The liveness route.</param>
    /// <param name="readyPattern">The readiness route.</param>
    /// <returns>A builder for conventions on both routes.</returns>
    /// <exception cref="InvalidOperationException"><c>AddMxcp()</c> was not called.</exception>
    public static IEndpointConventionBuilder MapMxcpHealth(this IEndpointRouteBuilder endpoints, string healthPattern = "/health", string readyPattern = "/ready")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var snapshots = endpoints.ServiceProvider.GetService<ProjectSnapshotProvider>()
            ?? throw new InvalidOperationException("MapMxcpHealth() needs the Mxcp services: " + ServicesMissing);
        var lifetime = endpoints.ServiceProvider.GetRequiredService<IHostApplicationLifetime>();
        var guard = endpoints.ServiceProvider.GetService<McpRequestGuard>();
        var group = endpoints.MapGroup("");
        group.MapGet(healthPattern, () => Results.Json(new JsonObject { ["status"] = "ok", ["timestamp"] = DateTimeOffset.UtcNow.ToString("O") }));
        group.MapGet(readyPattern, () =>
        {
            var reason = lifetime.ApplicationStopping.IsCancellationRequested || guard?.IsStopping == true ? "shutting down"
                : snapshots.Current is null ? "project not loaded"
                : snapshots.IsDraining ? "reloading"
                : null;
            if (reason is not null)
            {
                return Results.Json(new JsonObject { ["status"] = "not_ready", ["reason"] = reason }, statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            var snapshot = snapshots.Current!;
            return Results.Json(new JsonObject
            {
                ["status"] = "ready",
                ["project"] = snapshot.Config.ProjectName,
                ["profile"] = snapshot.Config.Profile,
                ["endpoints"] = snapshot.Endpoints.Count,
            });
        });
        return group;
    }
}
