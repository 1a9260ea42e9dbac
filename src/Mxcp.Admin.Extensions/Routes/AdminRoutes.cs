using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Mxcp.Abstractions;
using Mxcp.Admin.Monitoring;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Hosting;
using Mxcp.Runtime.Telemetry;

namespace Mxcp.Admin.Routes;

/// <summary>
/// The admin routes, with the paths and JSON field names of the Python MXCP's admin socket plus the operator
/// extras. None of them goes through the MCP request limits or the reload drain gate: <c>/health</c> answers while a
/// reload drains.
/// </summary>
internal static class AdminRoutes
{
    public static void Map(IEndpointRouteBuilder group, AdminApi api, MxcpAdminOptions options)
    {
        group.MapGet("/", () => Results.Json(new JsonObject
        {
            ["service"] = "mxcp-admin",
            ["version"] = MxcpVersion.Value,
            ["docs"] = "/docs",
            ["openapi"] = "/openapi.json",
        }));

        group.MapGet("/health", () => Results.Json(new JsonObject { ["status"] = "ok", ["timestamp"] = Now() }));
        group.MapGet("/ready", () => Ready(api));
        group.MapGet("/status", () => Results.Json(Status(api, options)));
        group.MapPost("/reload", () => Reload(api));
        group.MapGet("/config", () => Config(api, options));
        EndpointRoutes.Map(group, api);

        group.MapGet("/system/info", () => Results.Json(SystemMetrics.Info()));
        group.MapGet("/system/cpu", async (CancellationToken ct) => Results.Json(await SystemMetrics.CpuAsync(ct).ConfigureAwait(false)));
        group.MapGet("/system/memory", () => Results.Json(SystemMetrics.Memory()));
        group.MapGet("/system/disk", () => Results.Json(SystemMetrics.Disk()));
        group.MapGet("/system/network", () => Results.Json(SystemMetrics.Network()));
        group.MapGet("/system/process", async (CancellationToken ct) => Results.Json(await SystemMetrics.ProcessAsync(ct).ConfigureAwait(false)));

        group.MapGet("/sessions", () => Results.Json(new JsonObject { ["sessions"] = new JsonArray(api.Sessions.Sessions.Select(s => (JsonNode)AdminJson.Session(s)).ToArray()) }));
        group.MapGet("/sessions/{id}", (string id) => api.Sessions.TryGet(id, out var session)
            ? Results.Json(AdminJson.Session(session))
            : AdminErrors.NotFound($"Session '{id}' not found"));
        group.MapDelete("/sessions/{id}", (string id, CancellationToken ct) => TerminateAsync(api, id, ct));

        group.MapGet("/stats", () => Results.Json(api.Statistics.ToJson()));
        group.MapGet("/metrics", () => Results.Text(api.Prometheus.Render(), PrometheusExporter.ContentType, Encoding.UTF8));
        group.MapGet("/events", (HttpContext context) => StreamEventsAsync(context, api));
        group.MapPost("/config/validate", (Delegate)((HttpContext context) => ConfigValidation.ValidateAsync(context, api, options)));
    }

    private static string Now() => DateTimeOffset.UtcNow.ToString("O");

    private static IResult Ready(AdminApi api)
    {
        var reason = api.Snapshots.Current is null ? "project not loaded" : api.Snapshots.IsDraining ? "reloading" : null;
        return reason is null
            ? Results.Json(new JsonObject { ["status"] = "ready", ["timestamp"] = Now() })
            : Results.Json(new JsonObject { ["status"] = "not_ready", ["reason"] = reason, ["timestamp"] = Now() }, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    public static JsonObject Status(AdminApi api, MxcpAdminOptions options)
    {
        var snapshots = api.Snapshots;
        var snapshot = snapshots.Current;
        var uptime = DateTimeOffset.UtcNow - api.StartedAt;
        var status = new JsonObject
        {
            ["status"] = snapshot is null ? "degraded" : "ok",
            ["version"] = MxcpVersion.Value,
            ["uptime"] = $"{(int)uptime.TotalHours}h{uptime.Minutes}m{uptime.Seconds}s",
            ["uptime_seconds"] = (long)uptime.TotalSeconds,
            ["pid"] = Environment.ProcessId,
            ["profile"] = snapshot?.Config.Profile,
            ["mode"] = snapshot?.Config.ReadOnly == true ? "readonly" : "readwrite",
            ["debug"] = snapshot?.Config.Debug ?? options.Debug,
            ["reload"] = new JsonObject
            {
                ["in_progress"] = snapshots.IsReloading,
                ["draining"] = snapshots.IsDraining,
                ["active_requests"] = snapshot?.ActiveCalls ?? 0,
                ["last_reload"] = snapshots.LastReload?.ToString("O"),
                ["last_reload_status"] = snapshots.LastReloadStatus is { } reloadStatus ? AdminJson.Status(reloadStatus) : null,
                ["last_reload_error"] = snapshots.LastReloadError,
            },
            ["admin_socket"] = new JsonObject { ["path"] = api.SocketPath },
        };
        if (snapshot is not null)
        {
            // Not in the reference's /status, but its documented monitoring script reads .endpoints.tools from it.
            status["endpoints"] = EndpointCounts(snapshot);
        }

        return status;
    }

    private static IResult Reload(AdminApi api)
    {
        var id = Guid.NewGuid().ToString();
        _ = api.Snapshots.ReloadAsync($"admin reload {id}", null, CancellationToken.None);
        return Results.Json(new JsonObject
        {
            ["status"] = "reload_initiated",
            ["timestamp"] = Now(),
            ["reload_request_id"] = id,
            ["message"] = "Reload request queued. Use GET /status to check progress.",
        });
    }

    private static IResult Config(AdminApi api, MxcpAdminOptions options) => ConfigJson(api, options) is { } config
        ? Results.Json(config)
        : AdminErrors.Result(StatusCodes.Status503ServiceUnavailable, "not_loaded", "The project is not loaded");

    /// <summary>The sanitized configuration of <c>GET /config</c> (no secret, no connection string); <see langword="null"/> before the project is loaded.</summary>
    internal static JsonObject? ConfigJson(AdminApi api, MxcpAdminOptions options)
    {
        if (api.Snapshots.Current is not { } snapshot)
        {
            return null;
        }

        var config = snapshot.Config;
        var audit = api.Services.GetService<Runtime.Audit.AuditLog>()?.IsEnabled == true;
        return new JsonObject
        {
            ["status"] = "ok",
            ["project"] = config.ProjectName,
            ["profile"] = config.Profile,
            ["repository_path"] = config.ProjectRoot,
            ["duckdb_path"] = config.SiteProfile.DuckDb.Path,
            ["readonly"] = config.ReadOnly,
            ["debug"] = config.Debug,
            ["endpoints"] = EndpointCounts(snapshot),
            ["features"] = new JsonObject
            {
                ["sql_tools"] = config.SqlToolsEnabled,
                ["audit_logging"] = audit,
                ["telemetry"] = api.Telemetry.Enabled,
            },
            ["telemetry"] = api.Telemetry.ToJson(),
            ["transport"] = options.Transport,
        };
    }

    private static JsonObject EndpointCounts(ProjectSnapshot snapshot) => new()
    {
        ["tools"] = snapshot.Endpoints.Count(e => e.Definition.Kind == EndpointKind.Tool),
        ["prompts"] = snapshot.Endpoints.Count(e => e.Definition.Kind == EndpointKind.Prompt),
        ["resources"] = snapshot.Endpoints.Count(e => e.Definition.Kind == EndpointKind.Resource),
    };

    private static async Task<IResult> TerminateAsync(AdminApi api, string id, CancellationToken cancellationToken)
    {
        if (!api.Sessions.TryGet(id, out _))
        {
            return AdminErrors.NotFound($"Session '{id}' not found");
        }

        return await api.Sessions.TerminateAsync(id, cancellationToken).ConfigureAwait(false)
            ? Results.Json(new JsonObject { ["status"] = "terminated", ["session_id"] = id })
            : AdminErrors.Result(StatusCodes.Status409Conflict, "not_terminated", $"Session '{id}' could not be ended; see the server log");
    }

    internal static async Task StreamEventsAsync(HttpContext context, AdminApi api)
    {
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache,no-store";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        var ct = context.RequestAborted;
        var reader = api.Events.Subscribe(ct);
        var body = context.Response.Body;
        try
        {
            await WriteEventAsync(body, new ServerEvent("ping", $"{{\"timestamp\":\"{Now()}\"}}"), ct).ConfigureAwait(false);
            while (!ct.IsCancellationRequested)
            {
                using var keepAlive = CancellationTokenSource.CreateLinkedTokenSource(ct);
                keepAlive.CancelAfter(TimeSpan.FromSeconds(15));
                try
                {
                    var next = await reader.ReadAsync(keepAlive.Token).ConfigureAwait(false);
                    await WriteEventAsync(body, next, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    await WriteEventAsync(body, new ServerEvent("ping", $"{{\"timestamp\":\"{Now()}\"}}"), ct).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (System.Threading.Channels.ChannelClosedException)
        {
        }
    }

    private static async Task WriteEventAsync(Stream body, ServerEvent serverEvent, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes($"event: {serverEvent.Name}\ndata: {serverEvent.Data}\n\n");
        await body.WriteAsync(bytes, ct).ConfigureAwait(false);
        await body.FlushAsync(ct).ConfigureAwait(false);
    }
}
