using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Mxcp.Admin.Deployment;
using Mxcp.Admin.Diagnostics;
using Mxcp.Admin.Monitoring;
using Mxcp.Runtime;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Mcp.Sessions;
using Mxcp.Runtime.Reload;
using Mxcp.Runtime.Telemetry;

namespace Mxcp.Admin;

/// <summary>
/// What every mount of the admin API of one application shares (the Unix socket and HTTP mounts see the same
/// statistics, events, metrics and sessions): one singleton of the application's services.
/// </summary>
internal sealed class AdminApi(
    IServiceProvider services,
    ProjectSnapshotProvider snapshots,
    ProjectSnapshotBuilder builder,
    EndpointAvailability availability,
    McpSessionRegistry sessions,
    EndpointStatistics statistics,
    AdminEventStream events,
    PrometheusExporter prometheus,
    ConfigDeployment deployment,
    TelemetryStatus telemetry)
{
    public IServiceProvider Services { get; } = services;

    public ProjectSnapshotProvider Snapshots { get; } = snapshots;

    public ProjectSnapshotBuilder Builder { get; } = builder;

    public EndpointAvailability Availability { get; } = availability;

    /// <summary>The live MCP sessions of every transport.</summary>
    public McpSessionRegistry Sessions { get; } = sessions;

    public EndpointStatistics Statistics { get; } = statistics;

    public AdminEventStream Events { get; } = events;

    public PrometheusExporter Prometheus { get; } = prometheus;

    /// <summary><c>PUT /config</c>, one at a time.</summary>
    public ConfigDeployment Deployment { get; } = deployment;

    /// <summary>What the host exports (OTLP, the span log, a Prometheus listener), for <c>/config</c>.</summary>
    public TelemetryStatus Telemetry { get; } = telemetry;

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>The admin socket's path, once <c>AddAdminSocket()</c> is listening.</summary>
    public string? SocketPath { get; set; }

    /// <summary>Runs the checks of <c>GET /diagnostics</c> against the served project.</summary>
    public Task<DiagnosticsReport> DiagnoseAsync(CancellationToken cancellationToken) =>
        ProjectDiagnostics.RunAsync(Services.GetRequiredService<IOptions<MxcpOptions>>().Value, Services, Snapshots.Current, SocketPath, cancellationToken);
}
