using System.Threading.Channels;
using ModelContextProtocol.Protocol;

namespace Mxcp.Runtime.Hosting;

/// <summary>
/// The stdio transport of a session that starts before the host has started (the project loads meanwhile). Messages
/// pass through in order, except that the first request other than the handshake (<c>initialize</c>,
/// <c>server/discover</c>, <c>ping</c>) waits until the host has started, and with it everything after it.
/// List-change notifications are withheld until the client finished its handshake and the host has started (the first
/// load is no change to a client that could not list anything before it).
/// </summary>
internal sealed class StdioSessionTransport : ITransport
{
    private readonly ITransport _inner;
    private readonly Task _hostStarted;
    private readonly Channel<JsonRpcMessage> _incoming = Channel.CreateUnbounded<JsonRpcMessage>(new() { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private volatile bool _handshakeDone;
    private int _disposed;

    public StdioSessionTransport(ITransport inner, Task hostStarted)
    {
        _inner = inner;
        _hostStarted = hostStarted;
        _pump = Task.Run(PumpAsync);
    }

    public string? SessionId => _inner.SessionId;

    public ChannelReader<JsonRpcMessage> MessageReader => _incoming.Reader;

    /// <summary>Requests a client may send before the project is loaded: the handshake and liveness.</summary>
    internal static bool AnsweredBeforeLoad(string method) =>
        method is RequestMethods.Initialize or RequestMethods.ServerDiscover or RequestMethods.Ping;

    public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) =>
        (!_handshakeDone || !_hostStarted.IsCompleted) && message is JsonRpcNotification { Method: var method } && method.EndsWith("/list_changed", StringComparison.Ordinal)
            ? Task.CompletedTask
            : _inner.SendMessageAsync(message, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _inner.DisposeAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task PumpAsync()
    {
        Exception? failure = null;
        try
        {
            await foreach (var message in _inner.MessageReader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                switch (message)
                {
                    case JsonRpcRequest request when !AnsweredBeforeLoad(request.Method):
                        _handshakeDone = true;
                        if (!_hostStarted.IsCompleted)
                        {
                            // A host that fails to start reports why and ends the process; the request is never served.
                            await _hostStarted.WaitAsync(_stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                        }

                        break;
                    case JsonRpcRequest { Method: RequestMethods.ServerDiscover }:
                    case JsonRpcNotification { Method: NotificationMethods.InitializedNotification }:
                        _handshakeDone = true;
                        break;
                }

                await _incoming.Writer.WriteAsync(message, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            _incoming.Writer.TryComplete(failure);
        }
    }
}
