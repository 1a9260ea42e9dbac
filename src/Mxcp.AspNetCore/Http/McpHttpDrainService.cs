using Microsoft.Extensions.Hosting;

namespace Mxcp.AspNetCore.Http;

/// <summary>
/// Drains MCP requests at the start of shutdown, before any hosted service stops: new requests get 503 and the POSTs in
/// flight are answered (within the host's shutdown timeout) before the SDK closes the sessions and the project is
/// released.
/// </summary>
internal sealed class McpHttpDrainService(McpRequestGuard guard) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => guard.DrainAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
