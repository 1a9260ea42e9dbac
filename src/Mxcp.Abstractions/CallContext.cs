using System.Text.Json.Nodes;

namespace Mxcp.Abstractions;

/// <summary>
/// Everything an executor may need to know about the current call: who calls, over what, with which headers.
/// One instance per call; it is not shared between calls.
/// </summary>
public sealed class CallContext
{
    private static readonly IReadOnlyDictionary<string, string> NoHeaders =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The authenticated user, or <see langword="null"/> for anonymous calls.</summary>
    public UserContext? User { get; init; }

    /// <summary>The MCP session id, when the transport has sessions.</summary>
    public string? SessionId { get; init; }

    /// <summary>The HTTP request headers (names compared case-insensitively); empty for stdio and the CLI.</summary>
    public IReadOnlyDictionary<string, string> RequestHeaders { get; init; } = NoHeaders;

    /// <summary>
    /// How the call arrived: <c>stdio</c>, <c>streamable-http</c> or <c>sse</c> for MCP, <c>cli</c>, <c>cli-test</c> or
    /// <c>cli-query</c> for the command line.
    /// </summary>
    public required string Transport { get; init; }

    /// <summary>The trace id of the call (W3C format), when tracing is on.</summary>
    public string? TraceId { get; init; }

    /// <summary>Sends log and progress notifications to the client of the call, when it has one.</summary>
    public IClientNotifier? Notifier { get; init; }

    /// <summary>A per-call property bag for executors and pipeline steps.</summary>
    public IDictionary<string, object?> Items { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);

    private readonly List<JsonObject> _executionEvents = [];
    private volatile bool _hasExecutionEvents;

    /// <summary>
    /// The external calls the endpoint made, as <see cref="AddExecutionEvent"/> recorded them; the audit record keeps
    /// them as its <c>execution_events</c>.
    /// </summary>
    public IReadOnlyList<JsonObject> ExecutionEvents
    {
        get
        {
            lock (_executionEvents)
            {
                return [.. _executionEvents];
            }
        }
    }

    /// <summary>Whether <see cref="AddExecutionEvent"/> was called, without copying the list.</summary>
    internal bool HasExecutionEvents => _hasExecutionEvents;

    /// <summary>
    /// Records an external call the endpoint made (an upstream server, an HTTP API, ...) for the audit record's
    /// <c>execution_events</c>: a JSON object with a <c>type</c> and whatever describes the call. Never put secrets or
    /// sensitive values in it. Safe to call from any thread.
    /// </summary>
    /// <param name="executionEvent">The event.</param>
    public void AddExecutionEvent(JsonObject executionEvent)
    {
        ArgumentNullException.ThrowIfNull(executionEvent);
        lock (_executionEvents)
        {
            _executionEvents.Add(executionEvent);
            _hasExecutionEvents = true;
        }
    }
}

/// <summary>Sends notifications to the MCP client of the current call.</summary>
public interface IClientNotifier
{
    /// <summary>Sends a log message (<c>notifications/message</c>).</summary>
    /// <param name="level">An MCP logging level: <c>debug</c>, <c>info</c>, <c>warning</c>, <c>error</c>, ...</param>
    /// <param name="message">The message text.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    ValueTask LogAsync(string level, string message, CancellationToken cancellationToken = default);

    /// <summary>Whether the client asked for progress notifications of this call (it sent a progress token).</summary>
    bool WantsProgress => false;

    /// <summary>Sends a progress notification, when the client asked for progress.</summary>
    /// <param name="progress">Progress so far.</param>
    /// <param name="total">The total, when known.</param>
    /// <param name="message">A progress message.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    ValueTask ProgressAsync(double progress, double? total = null, string? message = null, CancellationToken cancellationToken = default);
}
