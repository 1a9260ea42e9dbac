using System.Text.Json;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Mcp;

/// <summary>
/// The client of a Streamable HTTP POST without a session, of a revision before 2026-07-28, for a call answered without
/// the SDK's per-request server: log messages go to <paramref name="notifier"/> (the POST's event stream), progress was not
/// asked for, and no request can be sent to it, for the reason <see cref="McpClientNotifier"/> gives in the same case.
/// </summary>
internal sealed class SessionlessClient(IClientNotifier notifier) : IClientNotifier, IClientRequester
{
    public bool WantsProgress => false;

    public ValueTask LogAsync(string level, string message, CancellationToken cancellationToken = default) =>
        notifier.LogAsync(level, message, cancellationToken);

    public ValueTask ProgressAsync(double progress, double? total = null, string? message = null, CancellationToken cancellationToken = default) =>
        ValueTask.CompletedTask;

    public string? WhyNot(string method) => McpClientNotifier.SessionlessReason;

    public ValueTask<ClientReply> RequestAsync(string method, JsonElement parameters, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"'{method}' was not sent: {McpClientNotifier.SessionlessReason}");
}
