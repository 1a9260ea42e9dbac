using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Mxcp.Plugins.Upstream.Supervision;

/// <summary>
/// A client transport that hands the upstream's progress notifications to the calls that asked for them as the messages
/// are read, in the order they arrive. (The SDK dispatches incoming messages concurrently, so a progress notification the
/// upstream sent just before its answer could otherwise be handled after the call returned, and be lost.) The upstream's
/// requests that <paramref name="refuse"/> answers with an error are answered at once and not handed on.
/// </summary>
internal sealed class ProgressRoutingTransport(IClientTransport inner, ConcurrentDictionary<string, IProgress<ProgressNotificationValue>> calls, Func<JsonRpcRequest, JsonRpcError?>? refuse = null) : IClientTransport
{
    public string Name => inner.Name;

    public async Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default) =>
        new Session(await inner.ConnectAsync(cancellationToken).ConfigureAwait(false), calls, refuse);

    private sealed class Session : ITransport
    {
        private readonly ITransport _inner;

        public Session(ITransport inner, ConcurrentDictionary<string, IProgress<ProgressNotificationValue>> calls, Func<JsonRpcRequest, JsonRpcError?>? refuse)
        {
            _inner = inner;
            MessageReader = new Reader(inner.MessageReader, calls, refuse, AnswerAsync);
        }

        public string? SessionId => _inner.SessionId;

        public ChannelReader<JsonRpcMessage> MessageReader { get; }

        public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) => _inner.SendMessageAsync(message, cancellationToken);

        public ValueTask DisposeAsync() => _inner.DisposeAsync();

        private async Task AnswerAsync(JsonRpcError error)
        {
            try
            {
                await _inner.SendMessageAsync(error).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The connection is closing: nobody waits for the answer any more.
            }
        }
    }

    private sealed class Reader(ChannelReader<JsonRpcMessage> inner, ConcurrentDictionary<string, IProgress<ProgressNotificationValue>> calls,
        Func<JsonRpcRequest, JsonRpcError?>? refuse, Func<JsonRpcError, Task> answer) : ChannelReader<JsonRpcMessage>
    {
        public override Task Completion => inner.Completion;

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => inner.WaitToReadAsync(cancellationToken);

        public override bool TryRead(out JsonRpcMessage item)
        {
            while (inner.TryRead(out item!))
            {
                if (item is JsonRpcRequest request && refuse?.Invoke(request) is { } error)
                {
                    _ = answer(error);
                    continue;
                }

                RouteProgress(item);
                return true;
            }

            return false;
        }

        private void RouteProgress(JsonRpcMessage item)
        {
            if (item is JsonRpcNotification { Method: NotificationMethods.ProgressNotification, Params: JsonObject p }
                && p["progressToken"] is JsonValue token && token.GetValueKind() == JsonValueKind.String
                && calls.TryGetValue(token.GetValue<string>(), out var progress)
                && p["progress"] is JsonValue value && value.TryGetValue<double>(out var done))
            {
                progress.Report(new ProgressNotificationValue
                {
                    Progress = (float)done,
                    Total = p["total"] is JsonValue t && t.TryGetValue<double>(out var total) ? (float)total : null,
                    Message = p["message"] is JsonValue m && m.GetValueKind() == JsonValueKind.String ? m.GetValue<string>() : null,
                });
            }
        }
    }
}
