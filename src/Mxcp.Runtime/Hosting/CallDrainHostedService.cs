using Microsoft.Extensions.Hosting;
using Mxcp.Runtime.Execution;

namespace Mxcp.Runtime.Hosting;

/// <summary>
/// Lets the calls in flight finish when the host stops, before any hosted service stops (transports, the project, the
/// audit log): new calls are refused, and the calls still running when the host's shutdown timeout expires are cancelled
/// and answered with an error (see <see cref="InFlightCalls"/>). HTTP transports drain their requests first and call
/// the same <see cref="InFlightCalls.DrainAsync"/>, so for them this finds nothing left to wait for.
/// </summary>
internal sealed class CallDrainHostedService(InFlightCalls calls) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => calls.DrainAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
