using Mxcp.Admin.Monitoring;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Mcp.Sessions;
using Mxcp.Runtime.Reload;

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
    PrometheusExporter prometheus)
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

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>The admin socket's path, once <c>AddAdminSocket()</c> is listening.</summary>
    public string? SocketPath { get; set; }
}
