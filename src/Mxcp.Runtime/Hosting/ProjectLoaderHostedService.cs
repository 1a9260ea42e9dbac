using Microsoft.Extensions.Hosting;
using Mxcp.Runtime.Mcp;
using Mxcp.Runtime.Reload;

namespace Mxcp.Runtime.Hosting;

/// <summary>Loads the project when the host starts (before transports accept calls) and releases it on stop.</summary>
internal sealed class ProjectLoaderHostedService(ProjectSnapshotProvider snapshots, McpPrimitiveSynchronizer primitives) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await snapshots.LoadAsync(cancellationToken).ConfigureAwait(false);
        GC.KeepAlive(primitives);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await snapshots.DisposeAsync().ConfigureAwait(false);
}
