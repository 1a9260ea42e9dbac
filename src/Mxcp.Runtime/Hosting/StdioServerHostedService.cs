using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using System.Security.Cryptography;
using ModelContextProtocol.Server;
using Mxcp.Runtime.Mcp.Sessions;

namespace Mxcp.Runtime.Hosting;

/// <summary>
/// One MCP session over the process's stdin/stdout. The session starts before the project loads (in
/// <see cref="IHostedLifecycleService.StartingAsync"/>), so a client's <c>initialize</c>, <c>server/discover</c> and
/// <c>ping</c> are answered at once even when loading takes long; other requests wait until the host has started
/// (<see cref="StdioSessionTransport"/>): the first snapshot is loaded and every other service (the audit writer among
/// them) runs, so no call is served before its audit record can be written. When the client closes stdin the host stops (once it has started).
/// The session is listed by the admin API (transport <c>stdio</c>); ending it there ends it as closing stdin does.
/// </summary>
internal sealed partial class StdioServerHostedService(
    IOptions<McpServerOptions> options,
    IServiceProvider services,
    McpSessionRegistry sessions,
    ILoggerFactory loggerFactory,
    IHostApplicationLifetime lifetime) : IHostedLifecycleService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILogger _logger = loggerFactory.CreateLogger<StdioServerHostedService>();
    private Task? _session;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        _session = Task.Run(() => RunSessionAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Every hosted service has started (lifecycle services run this after all <c>StartAsync</c> calls).</summary>
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        _started.TrySetResult();
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_session is { } session)
        {
            await session.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _stopping.Dispose();

    private async Task RunSessionAsync(CancellationToken stoppingToken)
    {
        try
        {
            var transport = new StdioSessionTransport(new StdioServerTransport(options.Value, loggerFactory), _started.Task);
            await using var disposeTransport = transport.ConfigureAwait(false);
            var server = McpServer.Create(transport, options.Value, loggerFactory, services);
            await using (server.ConfigureAwait(false))
            {
                using var ended = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var session = new RegisteredSession(
                    "stdio-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
                    "stdio",
                    server,
                    userId: null,
                    async _ =>
                    {
                        try
                        {
                            await ended.CancelAsync().ConfigureAwait(false);
                            return true;
                        }
                        catch (ObjectDisposedException)
                        {
                            return false; // it has just ended by itself
                        }
                    },
                    TimeProvider.System);
                sessions.Add(session);
                try
                {
                    await server.RunAsync(ended.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (ended.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
                {
                    // Ended through the admin API: as if the client had closed stdin.
                }
                finally
                {
                    sessions.Remove(session);
                }
            }

            LogSessionEnded(_logger);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogSessionFailed(_logger, e);
            Environment.ExitCode = 1;
        }
        finally
        {
            // A client that closes stdin while the host is still starting must not cancel the project load: that
            // would hide its outcome (a broken project's errors and exit code). The host stops once it has started.
            lifetime.ApplicationStarted.Register(static l => ((IHostApplicationLifetime)l!).StopApplication(), lifetime);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The stdio client closed the session")]
    private static partial void LogSessionEnded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "The stdio session failed")]
    private static partial void LogSessionFailed(ILogger logger, Exception exception);
}
