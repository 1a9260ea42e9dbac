using Microsoft.Extensions.Hosting;
using Mxcp.Runtime.Mcp;
using Mxcp.Runtime.Reload;

namespace Mxcp.Runtime.Hosting;

/// <summary>
/// Loads the project when the host starts (before transports accept calls) and releases it on stop. The host's own MCP
/// primitives are collected first, so that a project endpoint that takes one of their names is refused at start.
/// </summary>
internal sealed class ProjectLoaderHostedService(ProjectSnapshotProvider snapshots, McpPrimitiveSynchronizer primitives) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        primitives.EnsureHostPrimitives();
        await snapshots.LoadAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await snapshots.DisposeAsync().ConfigureAwait(false);
}
