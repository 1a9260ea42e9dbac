using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mxcp.AspNetCore.Http;
using Mxcp.Runtime.Reload;

namespace Mxcp.AspNetCore;

/// <summary>Maps Mxcp's MCP endpoint and health probes into an ASP.NET Core app.</summary>
public static class MxcpEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Serves the project registered with <c>AddMxcp()</c> over MCP Streamable HTTP at <paramref name="pattern"/>
    /// (POST; GET and DELETE when sessions are enabled), and over legacy SSE when enabled. The returned builder accepts
    /// the usual conventions (<c>.RequireAuthorization()</c>, <c>.RequireCors()</c>, ...); the authenticated user of each
    /// request flows into the endpoint's call context and policies.
    /// </summary>
    /// <param name="endpoints">The app or a route group.</param>
    /// <param name="pattern">The route of the MCP endpoint; <c>/mcp</c> by default.</param>
    /// <param name="configure">Adjusts the endpoint's options (on top of any <c>services.Configure&lt;MxcpHttpOptions&gt;</c>).</param>
    /// <returns>A builder for endpoint conventions.</returns>
    /// <exception cref="InvalidOperationException"><c>AddMxcp()</c> was not called.</exception>
    public static IEndpointConventionBuilder MapMxcp(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern = "/mcp", Action<MxcpHttpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        if (services.GetService<ProjectSnapshotProvider>() is null)
        {
            throw new InvalidOperationException("MapMxcp() needs the Mxcp services: call builder.Services.AddMxcp(...) before building the app.");
        }

        var options = Copy(services.GetService<IOptions<MxcpHttpOptions>>()?.Value ?? new MxcpHttpOptions());
        configure?.Invoke(options);
        if (options.SessionMode == MxcpSessionMode.Stateless && (options.EnableLegacySse || options.LegacySseOnly))
        {
            throw new InvalidOperationException("The legacy SSE transport needs sessions; it cannot be combined with MxcpSessionMode.Stateless.");
        }

        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Mxcp.AspNetCore");
        var sessions = new HttpSessionManager(options, logger);
        var guards = new RequestGuards(options, lifetime, logger);
        HttpSessionRegistry.For(services).Add(new MappedEndpoint(pattern, options, sessions, guards));
        lifetime.ApplicationStarted.Register(sessions.StartPruning);
        lifetime.ApplicationStopped.Register(() => sessions.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5)));

        var root = pattern is "" or "/";
        var group = endpoints.MapGroup(root ? "" : pattern);
        if (!options.LegacySseOnly)
        {
            var handler = new StreamableHttpHandler(options, services, sessions, guards);
            group.MapPost("", handler.HandlePostAsync).WithDisplayName($"MCP Streamable HTTP POST {pattern}");
            if (options.SessionMode != MxcpSessionMode.Stateless)
            {
                group.MapGet("", handler.HandleGetAsync).WithDisplayName($"MCP Streamable HTTP GET {pattern}");
                group.MapDelete("", handler.HandleDeleteAsync).WithDisplayName($"MCP Streamable HTTP DELETE {pattern}");
            }
        }

        if (options.EnableLegacySse || options.LegacySseOnly)
        {
            var sse = new LegacySseHandler(options, services, sessions, guards);
            var messages = (root ? "" : pattern.TrimEnd('/')) + "/messages/";
            group.MapGet("/sse", context => sse.HandleSseAsync(context, messages)).WithDisplayName($"MCP SSE stream {pattern}");
            group.MapPost("/messages", sse.HandleMessageAsync).WithDisplayName($"MCP SSE messages {pattern}");
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
    public static IEndpointConventionBuilder MapMxcpHealth(this IEndpointRouteBuilder endpoints, string healthPattern = "/health", string readyPattern = "/ready")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var snapshots = endpoints.ServiceProvider.GetService<ProjectSnapshotProvider>()
            ?? throw new InvalidOperationException("MapMxcpHealth() needs the Mxcp services: call builder.Services.AddMxcp(...) before building the app.");
        var lifetime = endpoints.ServiceProvider.GetRequiredService<IHostApplicationLifetime>();
        var group = endpoints.MapGroup("");
        group.MapGet(healthPattern, () => Results.Json(new JsonObject { ["status"] = "ok", ["timestamp"] = DateTimeOffset.UtcNow.ToString("O") }));
        group.MapGet(readyPattern, () =>
        {
            var reason = lifetime.ApplicationStopping.IsCancellationRequested ? "shutting down"
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

    private static MxcpHttpOptions Copy(MxcpHttpOptions o) => new()
    {
        SessionMode = o.SessionMode,
        EnableLegacySse = o.EnableLegacySse,
        LegacySseOnly = o.LegacySseOnly,
        IdleTimeout = o.IdleTimeout,
        MaxIdleSessionCount = o.MaxIdleSessionCount,
        MaxRequestBodySize = o.MaxRequestBodySize,
        MaxConcurrentRequests = o.MaxConcurrentRequests,
        AllowedHosts = o.AllowedHosts is null ? null : [.. o.AllowedHosts],
        TimeProvider = o.TimeProvider,
    };
}
