using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Mxcp.Admin.Monitoring;
using Mxcp.AspNetCore.Http;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Reload;

namespace Mxcp.Admin;

/// <summary>
/// What every mount of the admin API of one application shares (the Unix socket and HTTP mounts see the same
/// statistics, events and metrics): created once per application service provider, attached to its pipeline.
/// </summary>
internal sealed class AdminApi
{
    private static readonly ConditionalWeakTable<IServiceProvider, AdminApi> Instances = [];

    private AdminApi(IServiceProvider services)
    {
        Services = services;
        Snapshots = services.GetRequiredService<ProjectSnapshotProvider>();
        Builder = services.GetRequiredService<ProjectSnapshotBuilder>();
        Availability = services.GetRequiredService<EndpointAvailability>();
        Sessions = HttpSessionRegistry.For(services);
        Statistics = new EndpointStatistics();
        Events = new AdminEventStream(Snapshots, Availability, Sessions);
        Prometheus = new PrometheusExporter(services.GetRequiredService<MxcpMeter>());
        var pipeline = services.GetRequiredService<EndpointPipeline>();
        pipeline.AddObserver(Statistics);
        pipeline.AddObserver(Events);
    }

    public IServiceProvider Services { get; }

    public ProjectSnapshotProvider Snapshots { get; }

    public ProjectSnapshotBuilder Builder { get; }

    public EndpointAvailability Availability { get; }

    public HttpSessionRegistry Sessions { get; }

    public EndpointStatistics Statistics { get; }

    public AdminEventStream Events { get; }

    public PrometheusExporter Prometheus { get; }

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>The admin socket's path, once <c>AddAdminSocket()</c> is listening.</summary>
    public string? SocketPath { get; set; }

    public static AdminApi For(IServiceProvider services) => Instances.GetValue(services, s => new AdminApi(s));
}
