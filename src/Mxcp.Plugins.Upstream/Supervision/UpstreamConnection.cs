using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.Abstractions;
using Mxcp.Plugins.Upstream.Configuration;

namespace Mxcp.Plugins.Upstream.Supervision;

/// <summary>A tool as the upstream lists it, with the hash of its definition (name, description, schemas).</summary>
internal sealed record UpstreamTool(string Name, string? Description, JsonElement Definition, string Hash);

/// <summary>
/// A prompt, resource or resource template as the upstream lists it: <paramref name="Id"/> is the prompt's name, the
/// resource's URI or the template's URI template; <see cref="PinKey"/> names it among the approved definitions
/// (<c>prompt:&lt;name&gt;</c>, <c>resource:&lt;uri&gt;</c>, <c>template:&lt;uri template&gt;</c>).
/// </summary>
internal sealed record UpstreamEntry(EndpointKind Kind, bool IsTemplate, string Id, string? Name, string? Description, JsonElement Definition, string Hash)
{
    public string PinKey => (Kind == EndpointKind.Prompt ? "prompt:" : IsTemplate ? "template:" : "resource:") + Id;
}

/// <summary>A change of an upstream's health (<see cref="Kind"/> <c>health</c>) or of its circuit breaker (<c>circuit</c>).</summary>
internal sealed record HealthTransition(DateTimeOffset At, string From, string To, string? Error, string Kind = HealthTransition.HealthKind)
{
    public const string HealthKind = "health";
    public const string CircuitKind = "circuit";
}

/// <summary>
/// The one connection to one upstream, supervised: connected (a stdio upstream's process started) in the background,
/// its tools listed, checked at every health interval (the tool list is read again, so a changed definition is seen
/// even without <c>list_changed</c>), and reconnected with exponential backoff when it fails or closes.
/// </summary>
internal sealed class UpstreamConnection : IAsyncDisposable
{
    public const string Connecting = "connecting";
    public const string Healthy = "healthy";
    public const string Unhealthy = "unhealthy";
    public const string Disabled = "disabled";

    private const int MaxHistory = 50;
    private const int MaxTools = 5_000;
    private const int MaxPages = 100;
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ProgressFlushLimit = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger;
    private readonly ClientRequestRouter _router;
    private readonly UpstreamSubscriptions _subscriptions;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly LinkedList<HealthTransition> _history = new();
    private readonly object _gate = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private UpstreamMessageTooLargeException? _lineTooLarge;
    private volatile McpClient? _client;
    private IReadOnlyList<UpstreamTool> _tools = [];
    private FrozenSet<string> _repeatable = FrozenSet<string>.Empty;
    private IReadOnlyList<UpstreamEntry> _entries = [];
    private readonly ConcurrentDictionary<string, IProgress<ProgressNotificationValue>> _progress = new(StringComparer.Ordinal);
    private Task _loop = Task.CompletedTask;
    private volatile bool _restartRequested;
    private readonly TimeProvider _time;
    private UpstreamSettings _settings;
    private UpstreamResilience _resilience;
    private string? _lastOutput;

    public UpstreamConnection(UpstreamSettings settings, ILoggerFactory loggerFactory, TimeProvider? time = null)
    {
        _settings = settings;
        _time = time ?? TimeProvider.System;
        _logger = loggerFactory.CreateLogger("Mxcp.Plugins.Upstream");
        _router = new ClientRequestRouter(settings.Name, _logger);
        _subscriptions = new UpstreamSubscriptions(settings.Name, _logger);
        _resilience = NewResilience(settings);
        State = settings.Enabled ? Connecting : Disabled;
    }

    /// <summary>
    /// The settings; replaced (by the hub) when only what is served from the connection changed. New <c>retries</c> or
    /// <c>circuit_breaker</c> settings start a new (closed) circuit.
    /// </summary>
    public UpstreamSettings Settings
    {
        get => Volatile.Read(ref _settings);
        set
        {
            Volatile.Write(ref _settings, value);
            var current = Volatile.Read(ref _resilience);
            if (current.Retries != value.Retries || current.CircuitBreaker != value.CircuitBreaker)
            {
                Volatile.Write(ref _resilience, NewResilience(value));
            }
        }
    }

    /// <summary>The circuit breaker's state (<c>closed</c>, <c>open</c>, <c>half_open</c>); <see langword="null"/> when it is off.</summary>
    public string? CircuitState => Volatile.Read(ref _resilience).CircuitState;

    /// <summary>Raised when the circuit breaker opens, half-opens or closes.</summary>
    public event Action<UpstreamConnection, HealthTransition>? CircuitChanged;

    private UpstreamResilience NewResilience(UpstreamSettings settings) =>
        new(settings.Name, settings.Retries, settings.CircuitBreaker, _time, (from, to, error) =>
        {
            var transition = new HealthTransition(_time.GetUtcNow(), from, to, error, HealthTransition.CircuitKind);
            Record(transition);
            if (to == UpstreamResilience.Open)
            {
                Log.CircuitOpened(_logger, Name, error ?? "", (long)(Volatile.Read(ref _settings).CircuitBreaker?.Break.TotalMilliseconds ?? 0));
            }
            else if (to == UpstreamResilience.Closed)
            {
                Log.CircuitClosed(_logger, Name);
            }

            CircuitChanged?.Invoke(this, transition);
        });

    public string Name => Settings.Name;

    public string State { get; private set; }

    public int ConsecutiveFailures { get; private set; }

    public string? LastError { get; private set; }

    public DateTimeOffset? LastSuccess { get; private set; }

    public DateTimeOffset? ConnectedSince { get; private set; }

    public int Connections { get; private set; }

    public string? ServerName { get; private set; }

    public string? ServerVersion { get; private set; }

    public IReadOnlyList<UpstreamTool> Tools => Volatile.Read(ref _tools);

    /// <summary>The upstream's prompts, resources and resource templates (empty when it has none of these capabilities).</summary>
    public IReadOnlyList<UpstreamEntry> Entries => Volatile.Read(ref _entries);

    public IReadOnlyList<HealthTransition> History
    {
        get
        {
            lock (_gate)
            {
                return [.. _history];
            }
        }
    }

    /// <summary>Raised when the tool, prompt or resource lists changed (new, removed or changed definitions).</summary>
    public event Action<UpstreamConnection>? ToolsChanged;

    /// <summary>Raised on every health transition.</summary>
    public event Action<UpstreamConnection, HealthTransition>? HealthChanged;

    /// <summary>Starts supervising; completes when the first connection attempt has ended, or after <paramref name="wait"/>.</summary>
    public async Task StartAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (!Settings.Enabled)
        {
            return;
        }

        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        await Task.WhenAny(_firstAttempt.Task, Task.Delay(wait, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Drops the current connection (a stdio process is stopped) and connects again at once.</summary>
    public async Task RestartAsync()
    {
        _restartRequested = true;
        if (_client is { } client)
        {
            await DisposeQuietlyAsync(client).ConfigureAwait(false);
        }

        _wake.TrySetResult();
    }

    /// <summary>
    /// Calls a tool of the upstream through the retries and the circuit breaker (see <see cref="UpstreamResilience"/>);
    /// the result is the upstream's <c>CallToolResult</c> as JSON, unchanged.
    /// </summary>
    public Task<JsonNode> CallToolAsync(string tool, IReadOnlyDictionary<string, object?> arguments, UpstreamCaller? caller, ResultLimits limits, CancellationToken cancellationToken) =>
        Volatile.Read(ref _resilience).ExecuteAsync(ct => CallOnceAsync(tool, arguments, caller, limits, ct), Repeatable(tool), cancellationToken);

    /// <summary>Whether the upstream's annotations of the tool say that calling it again is harmless (read-only or idempotent).</summary>
    private bool Repeatable(string tool) => Volatile.Read(ref _repeatable).Contains(tool);

    internal static bool IsRepeatable(UpstreamTool tool) =>
        tool.Definition.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.Object
        && ((a.TryGetProperty("readOnlyHint", out var ro) && ro.ValueKind == JsonValueKind.True)
            || (a.TryGetProperty("idempotentHint", out var id) && id.ValueKind == JsonValueKind.True));

    /// <summary>One attempt of a call; the result is the upstream's <c>CallToolResult</c> as JSON, unchanged.</summary>
    private async Task<JsonNode> CallOnceAsync(string tool, IReadOnlyDictionary<string, object?> arguments, UpstreamCaller? caller, ResultLimits limits, CancellationToken cancellationToken)
    {
        // The upstream's progress notifications for this call are recognised by a token of ours (ProgressRoutingTransport).
        var progress = caller?.Notifier is { WantsProgress: true } notifier ? new ProgressForwarder(notifier) : null;
        var token = progress is null ? null : Guid.NewGuid().ToString("N");
        if (token is not null)
        {
            _progress[token] = progress!;
        }

        try
        {
            return await ForwardAsync(RequestMethods.ToolsCall, tool, (client, options, ct) =>
            {
                options.ProgressToken = token is null ? null : new ProgressToken(token);
                return client.CallToolAsync(tool, arguments, null, options, ct);
            }, McpJsonUtilities.DefaultOptions.GetTypeInfo<CallToolResult>(), limits, caller, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (token is not null)
            {
                _progress.TryRemove(token, out _);
            }

            // The progress the upstream sent before its answer reaches the client before ours (after it, a client may no
            // longer listen: a Streamable HTTP response stream ends with the result).
            // A client too slow to take them within a few seconds does not hold the answer back.
            if (progress is not null)
            {
                await Task.WhenAny(progress.FlushAsync(), Task.Delay(ProgressFlushLimit, CancellationToken.None)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Subscribes to a resource of the upstream for one of our sessions (see <see cref="UpstreamSubscriptions"/>);
    /// <paramref name="updated"/> gets the URI at each <c>notifications/resources/updated</c> until the result is disposed.
    /// </summary>
    public ValueTask<IAsyncDisposable> SubscribeAsync(string uri, Func<string, ValueTask> updated, CancellationToken cancellationToken) =>
        _subscriptions.AddAsync(_client, uri, updated, () => _client, cancellationToken);

    /// <summary>Gets a prompt of the upstream; the result is the upstream's <c>GetPromptResult</c> as JSON, unchanged.</summary>
    public Task<JsonNode> GetPromptAsync(string prompt, IReadOnlyDictionary<string, object?> arguments, UpstreamCaller? caller, ResultLimits limits, CancellationToken cancellationToken) =>
        ForwardAsync(RequestMethods.PromptsGet, prompt, (client, options, ct) => client.GetPromptAsync(prompt, arguments, options, ct), McpJsonUtilities.DefaultOptions.GetTypeInfo<GetPromptResult>(), limits, caller, cancellationToken);

    /// <summary>Reads a resource of the upstream; the result is the upstream's <c>ReadResourceResult</c> as JSON, unchanged.</summary>
    public Task<JsonNode> ReadResourceAsync(string uri, UpstreamCaller? caller, ResultLimits limits, CancellationToken cancellationToken) =>
        ForwardAsync(RequestMethods.ResourcesRead, null, (client, options, ct) => client.ReadResourceAsync(uri, options, ct), McpJsonUtilities.DefaultOptions.GetTypeInfo<ReadResourceResult>(), limits, caller, cancellationToken);

    /// <summary>
    /// Asks the upstream to complete an argument of its prompt <paramref name="target"/> (<paramref name="prompt"/>) or a
    /// variable of its resource template <paramref name="target"/>; no values when it does not declare the
    /// <c>completions</c> capability (or is not connected).
    /// </summary>
    public async Task<EndpointCompletion> CompleteAsync(bool prompt, string target, string argument, string value, IReadOnlyDictionary<string, string>? context, ResultLimits limits, CancellationToken cancellationToken)
    {
        if (_client?.ServerCapabilities?.Completions is null)
        {
            return EndpointCompletion.None;
        }

        var result = await ForwardAsync(RequestMethods.CompletionComplete, target, (client, options, ct) => client.CompleteAsync(new CompleteRequestParams
        {
            Ref = prompt ? new PromptReference { Name = target } : new ResourceTemplateReference { Uri = target },
            Argument = new Argument { Name = argument, Value = value },
            Context = context is null ? null : new CompleteContext { Arguments = context.ToDictionary(StringComparer.Ordinal) },
            Meta = options.Meta,
        }, ct), McpJsonUtilities.DefaultOptions.GetTypeInfo<CompleteResult>(), limits, caller: null, cancellationToken).ConfigureAwait(false);
        var completion = result["completion"];
        return new EndpointCompletion(
            completion?["values"] is JsonArray values ? [.. values.OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.String).Select(v => v.GetValue<string>())] : [],
            completion?["total"] is JsonValue total && total.TryGetValue<int>(out var t) ? t : null,
            completion?["hasMore"] is JsonValue more && more.TryGetValue<bool>(out var m) ? m : null);
    }

    /// <summary>
    /// Takes off a result what the upstream's server adds for its connection with us on 2026-07-28: the
    /// <c>resultType</c> of a complete result and its own identity in <c>_meta</c>. Our server adds both again, with its
    /// own identity, where the client's protocol version has them; a client of an earlier version would otherwise get a
    /// <c>resultType</c> its version does not define (which some clients refuse) and the upstream's identity as ours.
    /// </summary>
    internal static void WithoutConnectionFields(Result result)
    {
        if (result.ResultType == "complete")
        {
            result.ResultType = null;
        }

        if (result.Meta is { } meta && meta.Remove(MetaKeys.ServerInfo) && meta.Count == 0)
        {
            result.Meta = null;
        }
    }

    /// <summary>
    /// Sends one request upstream inside a client span (its W3C trace context in the request's <c>_meta</c>, and for
    /// HTTP upstreams in the <c>traceparent</c> header), within the upstream's timeout; the client's cancellation is
    /// sent upstream as <c>notifications/cancelled</c>. A result larger than <paramref name="limits"/> allow is refused.
    /// While it runs, the upstream's requests to its client may be forwarded to <paramref name="caller"/>'s client
    /// (<see cref="ClientRequestRouter"/>).
    /// </summary>
    private async Task<JsonNode> ForwardAsync<T>(string method, string? target, Func<McpClient, RequestOptions, CancellationToken, ValueTask<T>> send, JsonTypeInfo<T> typeInfo, ResultLimits limits, UpstreamCaller? caller, CancellationToken cancellationToken)
        where T : Result
    {
        var what = target is null ? method : $"'{target}'";
        var client = _client ?? throw new UpstreamUnavailableException(
            $"upstream '{Name}' is not available ({State}{(LastError is { } error ? ": " + error : "")}); it is being reconnected");
        using var activity = UpstreamTelemetry.Source.StartActivity("mxcp.upstream.call", ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("mxcp.upstream.name", Name);
            activity.SetTag("mxcp.upstream.transport", Settings.Transport);
            activity.SetTag("mcp.method.name", method);
            if (target is not null)
            {
                activity.SetTag("mxcp.upstream.target", target);
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Settings.Timeout);
        using var inProgress = _router.Track(caller ?? new UpstreamCaller(null, null));
        try
        {
            var result = await send(client, new RequestOptions { Meta = UpstreamTelemetry.TraceMeta(activity ?? Activity.Current) }, timeout.Token).ConfigureAwait(false);
            WithoutConnectionFields(result);
            var bytes = JsonSerializer.SerializeToUtf8Bytes(result, typeInfo);
            if (limits.ExceedsBytes(bytes.Length))
            {
                throw new ResultTooLargeException(string.Create(CultureInfo.InvariantCulture,
                    $"upstream '{Name}' answered {what} with {bytes.Length:N0} bytes of JSON. {limits.TooManyBytes().Message}"));
            }

            return JsonNode.Parse(bytes)!;
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            activity?.SetTag("error.type", e is OperationCanceledException && cancellationToken.IsCancellationRequested ? "cancelled" : e.GetType().FullName);
            // The connection closed under the call: its pending request is cancelled when the client is disposed, which
            // may come before the SDK fails it with the reason.
            if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested && client.Completion.IsCompleted)
            {
                var closed = (await client.Completion.ConfigureAwait(false)).Exception ?? new IOException("the connection closed");
                throw new InvalidOperationException(TooLarge(closed)?.Message ?? $"upstream '{Name}' failed: {closed.Message}", closed);
            }

            if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"upstream '{Name}' did not answer {what} within {Settings.Timeout.TotalSeconds:0.###} s");
            }

            if (e is McpException)
            {
                throw new InvalidOperationException($"upstream '{Name}': {e.Message}", e);
            }

            if (e is IOException or HttpRequestException or ObjectDisposedException)
            {
                _wake.TrySetResult();
                throw new InvalidOperationException(TooLarge(e) is { } tooLarge ? tooLarge.Message : $"upstream '{Name}' failed: {WithCauses(e)}", e);
            }

            throw;
        }
    }

    /// <summary>
    /// The message and the distinct messages of its inner exceptions: "An error occurred while sending the request"
    /// says nothing until "Connection refused (127.0.0.1:8080)" follows it.
    /// </summary>
    internal static string WithCauses(Exception e)
    {
        var text = new StringBuilder(e.Message);
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (!text.ToString().Contains(inner.Message, StringComparison.Ordinal))
            {
                text.Append(" (").Append(inner.Message.TrimEnd('.')).Append(')');
            }
        }

        return text.ToString();
    }

    private static UpstreamMessageTooLargeException? TooLarge(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is UpstreamMessageTooLargeException tooLarge)
            {
                return tooLarge;
            }
        }

        return null;
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var attempt = 0;
        while (!stop.IsCancellationRequested)
        {
            McpClient? client = null;
            try
            {
                using (var connect = CancellationTokenSource.CreateLinkedTokenSource(stop))
                {
                    connect.CancelAfter(Settings.Timeout);
                    try
                    {
                        // The wait ends with the timeout even if the transport does not heed the cancellation; a client
                        // that still comes is closed.
                        var creating = McpClient.CreateAsync(CreateTransport(), new McpClientOptions
                        {
                            ClientInfo = new Implementation { Name = "mxcp", Version = typeof(UpstreamConnection).Assembly.GetName().Version?.ToString(3) ?? "0" },
                            DiscoverProbeTimeout = Settings.Timeout,
                            InitializationTimeout = Settings.Timeout,
                            // Declares the client capabilities of the kinds 'forward' lets through, and only those.
                            Handlers = _router.Handlers(Settings.Forward),
                        }, NullLoggerFactory.Instance, connect.Token);
                        try
                        {
                            client = await creating.WaitAsync(connect.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException)
                        {
                            _ = creating.ContinueWith(t => t.IsCompletedSuccessfully ? DisposeQuietlyAsync(t.Result) : Task.CompletedTask, TaskScheduler.Default).Unwrap();
                            throw;
                        }

                        await RefreshAsync(client, connect.Token).WaitAsync(connect.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                    {
                        throw new TimeoutException($"no answer within {Settings.Timeout.TotalSeconds:0.###} s");
                    }
                }

                ServerName = client.ServerInfo?.Name;
                ServerVersion = client.ServerInfo?.Version;
                ConnectedSince = DateTimeOffset.UtcNow;
                Connections++;
                _client = client;
                Volatile.Write(ref _lineTooLarge, null);
                attempt = 0;
                Succeeded();
                Log.Connected(_logger, Name, Settings.Transport, Settings.Target, Tools.Count);
                _firstAttempt.TrySetResult();
                var handlers = RegisterNotificationHandlers(client);
                try
                {
                    using (var resubscribe = CancellationTokenSource.CreateLinkedTokenSource(stop))
                    {
                        resubscribe.CancelAfter(Settings.Timeout);
                        await _subscriptions.ResubscribeAsync(client, resubscribe.Token).ConfigureAwait(false);
                    }

                    await MonitorAsync(client, stop).ConfigureAwait(false);
                }
                finally
                {
                    foreach (var handler in handlers)
                    {
                        await handler.DisposeAsync().ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                if (!_restartRequested)
                {
                    var delay = Backoff(attempt++);
                    var lastOutput = Interlocked.Exchange(ref _lastOutput, null);
                    Failed(Describe(e) + (Settings.Command is not null && lastOutput is not null ? $" (its last output: {lastOutput})" : ""));
                    Log.Unhealthy(_logger, Name, ConsecutiveFailures, LastError!, (long)delay.TotalMilliseconds);
                    _firstAttempt.TrySetResult();
                    _client = null;
                    if (client is not null)
                    {
                        await DisposeQuietlyAsync(client).ConfigureAwait(false);
                    }

                    try
                    {
                        await Task.WhenAny(Task.Delay(delay, stop), _wake.Task).ConfigureAwait(false);
                    }
                    finally
                    {
                        Rearm();
                    }

                    continue;
                }
            }
            finally
            {
                if (ReferenceEquals(_client, client))
                {
                    _client = null;
                }

                if (client is not null)
                {
                    await DisposeQuietlyAsync(client).ConfigureAwait(false);
                }
            }

            if (_restartRequested)
            {
                _restartRequested = false;
                attempt = 0;
                Transition(Connecting, "restarted");
                Rearm();
            }
        }
    }

    /// <summary>A line over the limit ended the stdio connection's reading: it is replaced now, with that error.</summary>
    private void ThrowIfLineTooLarge()
    {
        if (Interlocked.Exchange(ref _lineTooLarge, null) is { } tooLarge)
        {
            throw new IOException("the connection closed: " + tooLarge.Message, tooLarge);
        }
    }

    private void OnLineTooLarge(UpstreamMessageTooLargeException e)
    {
        OnMessageTooLarge(e);
        Volatile.Write(ref _lineTooLarge, e);
        if (_client is not null)
        {
            // Only a live connection's monitor is woken; a connection attempt fails by itself and backs off.
            _wake.TrySetResult();
        }
    }

    private static async Task<IOException> ClosedAsync(McpClient client)
    {
        var details = await client.Completion.ConfigureAwait(false);
        return new IOException("the connection closed" + (details.Exception is { } e ? ": " + e.Message : ""));
    }

    /// <summary>Watches a live connection; returns or throws when it must be replaced.</summary>
    private async Task MonitorAsync(McpClient client, CancellationToken stop)
    {
        while (true)
        {
            var wake = _wake.Task;
            var tick = Task.Delay(Settings.HealthInterval, stop);
            var done = await Task.WhenAny(client.Completion, tick, wake).ConfigureAwait(false);
            stop.ThrowIfCancellationRequested();
            if (done == client.Completion || _restartRequested)
            {
                if (_restartRequested)
                {
                    return;
                }

                throw await ClosedAsync(client).ConfigureAwait(false);
            }

            ThrowIfLineTooLarge();
            if (done == wake)
            {
                Rearm();
            }

            using var check = CancellationTokenSource.CreateLinkedTokenSource(stop);
            check.CancelAfter(Settings.Timeout);
            try
            {
                // A connection that closes during the check (a call's failure woke this loop as its transport ended) is
                // replaced at once, not after the check's timeout: its pending requests are failed only when it is disposed.
                var refresh = RefreshAsync(client, check.Token).WaitAsync(check.Token);
                while (!refresh.IsCompleted)
                {
                    var first = await Task.WhenAny(refresh, client.Completion, _wake.Task).ConfigureAwait(false);
                    if (first == refresh)
                    {
                        break;
                    }

                    if (first == client.Completion || Volatile.Read(ref _lineTooLarge) is not null || _restartRequested)
                    {
                        await check.CancelAsync().ConfigureAwait(false);
                        _ = refresh.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                        if (_restartRequested)
                        {
                            return;
                        }

                        ThrowIfLineTooLarge();
                        throw await ClosedAsync(client).ConfigureAwait(false);
                    }

                    // Woken for another reason (a list_changed): the next round checks again.
                    await Task.WhenAny(refresh, client.Completion).ConfigureAwait(false);
                }

                await refresh.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                throw new TimeoutException($"the health check got no answer within {Settings.Timeout.TotalSeconds:0.###} s");
            }

            Succeeded();
        }
    }

    /// <summary>
    /// Follows the upstream's notifications that are not tied to one call: a <c>list_changed</c> of its tools, prompts or
    /// resources reads the lists again at once; a <c>resources/updated</c> reaches the subscribed sessions; its log
    /// messages (<c>notifications/message</c>) are written to Mxcp's log at the matching level, as
    /// <c>[upstream name] logger: data</c>.
    /// </summary>
    private List<IAsyncDisposable> RegisterNotificationHandlers(McpClient client)
    {
        ValueTask Refresh(JsonRpcNotification notification, CancellationToken cancellationToken)
        {
            _wake.TrySetResult();
            return default;
        }

        return
        [
            client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, Refresh),
            client.RegisterNotificationHandler(NotificationMethods.PromptListChangedNotification, Refresh),
            client.RegisterNotificationHandler(NotificationMethods.ResourceListChangedNotification, Refresh),
            client.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (notification, _) =>
            {
                _subscriptions.OnUpdated(notification);
                return default;
            }),
#pragma warning disable MCP9005 // Logging is deprecated from the 2026-07-28 revision on; upstreams of earlier revisions still send it.
            client.RegisterNotificationHandler(NotificationMethods.LoggingMessageNotification, (notification, _) =>
            {
                LogUpstreamMessage(notification);
                return default;
            }),
#pragma warning restore MCP9005
        ];
    }

#pragma warning disable MCP9005 // See RegisterNotificationHandlers.

    private void LogUpstreamMessage(JsonRpcNotification notification)
    {
        LoggingMessageNotificationParams? message;
        try
        {
            message = notification.Params.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<LoggingMessageNotificationParams>());
        }
        catch (JsonException)
        {
            return;
        }

        if (message is null)
        {
            return;
        }

        var level = message.Level switch
        {
            LoggingLevel.Debug => LogLevel.Debug,
            LoggingLevel.Info or LoggingLevel.Notice => LogLevel.Information,
            LoggingLevel.Warning => LogLevel.Warning,
            LoggingLevel.Error => LogLevel.Error,
            _ => LogLevel.Critical,
        };
        if (!_logger.IsEnabled(level))
        {
            return;
        }

        var data = message.Data.ValueKind == JsonValueKind.String ? message.Data.GetString() ?? "" : message.Data.ValueKind == JsonValueKind.Undefined ? "" : message.Data.GetRawText();
        Log.UpstreamMessage(_logger, level, Name, message.Logger is { Length: > 0 } source ? source + ": " : "", data.Length > 2000 ? data[..2000] + "…" : data);
    }
#pragma warning restore MCP9005

    private void Rearm()
    {
        lock (_gate)
        {
            if (_wake.Task.IsCompleted)
            {
                _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    private IClientTransport CreateTransport() => new ProgressRoutingTransport(CreateInnerTransport(), _progress, request => _router.RefuseUndeclared(request, Settings.Forward));

    private IClientTransport CreateInnerTransport()
    {
        var maxMessageBytes = MaxMessageBytes;
        if (Settings.Url is { } url)
        {
            return new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = url,
                Name = Name,
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = Settings.Headers.Count > 0 ? new Dictionary<string, string>(Settings.Headers) : null,
                ConnectionTimeout = Settings.Timeout,
            }, new HttpClient(new BoundedResponseHandler(Name, maxMessageBytes, OnMessageTooLarge)), NullLoggerFactory.Instance, ownsHttpClient: true);
        }

        return new StdioUpstreamTransport(new StdioUpstreamOptions
        {
            Name = Name,
            Command = Settings.Command!,
            Arguments = [.. Settings.Args],
            WorkingDirectory = Settings.Cwd,
            Environment = Settings.Env,
            MaxMessageBytes = maxMessageBytes,
            StandardErrorLines = line =>
            {
                Volatile.Write(ref _lastOutput, line.Length > 300 ? line[..300] + "…" : line);
                Log.ProcessOutput(_logger, Name, line);
            },
            MessageTooLarge = OnLineTooLarge,
        });
    }

    /// <summary>
    /// The most bytes one message of the upstream may take (a line on standard output, an SSE event, a JSON response
    /// body); set by the hub from the project's result limit (<see cref="BoundedMessageStream.Limit"/>), used from the
    /// next connection on.
    /// </summary>
    public long MaxMessageBytes { get; set; } = BoundedMessageStream.Limit(ResultLimits.Default);

    private void OnMessageTooLarge(UpstreamMessageTooLargeException e) => Log.MessageTooLarge(_logger, e.Message);

    /// <summary>Reads the tool list, and the prompt, resource and resource template lists when the upstream has them.</summary>
    private async Task RefreshAsync(McpClient client, CancellationToken cancellationToken)
    {
        var tools = await ListToolsAsync(client, cancellationToken).ConfigureAwait(false);
        var entries = new List<UpstreamEntry>();
        var capabilities = client.ServerCapabilities;
        if (capabilities?.Prompts is not null)
        {
            await PagesAsync(entries, async cursor =>
            {
                var page = await client.ListPromptsAsync(new ListPromptsRequestParams { Cursor = cursor }, cancellationToken).ConfigureAwait(false);
                return (page.Prompts.Select(p => Entry(EndpointKind.Prompt, false, p.Name, p.Name, p.Description, p)), page.NextCursor);
            }).ConfigureAwait(false);
        }

        if (capabilities?.Resources is not null)
        {
            await PagesAsync(entries, async cursor =>
            {
                var page = await client.ListResourcesAsync(new ListResourcesRequestParams { Cursor = cursor }, cancellationToken).ConfigureAwait(false);
                return (page.Resources.Select(r => Entry(EndpointKind.Resource, false, r.Uri, r.Name, r.Description, r)), page.NextCursor);
            }).ConfigureAwait(false);
            await PagesAsync(entries, async cursor =>
            {
                var page = await client.ListResourceTemplatesAsync(new ListResourceTemplatesRequestParams { Cursor = cursor }, cancellationToken).ConfigureAwait(false);
                return (page.ResourceTemplates.Select(r => Entry(EndpointKind.Resource, true, r.UriTemplate, r.Name, r.Description, r)), page.NextCursor);
            }).ConfigureAwait(false);
        }

        SetCatalog(tools, entries);
    }

    /// <summary>
    /// An entry with the hash that pins it: over its whole definition but <c>_meta</c> and a resource's <c>size</c>, which
    /// may change with its content without changing what the model is told.
    /// </summary>
    private static UpstreamEntry Entry<T>(EndpointKind kind, bool isTemplate, string id, string? name, string? description, T item)
    {
        var definition = JsonSerializer.SerializeToElement(item, McpJsonUtilities.DefaultOptions.GetTypeInfo<T>());
        var pinned = JsonNode.Parse(definition.GetRawText())!.AsObject();
        pinned.Remove("_meta");
        pinned.Remove("size");
        return new UpstreamEntry(kind, isTemplate, id, name, description, definition,
            "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(pinned.ToJsonString()))));
    }

    /// <summary>Reads every page of one list; a server that declares the capability but lacks the method lists nothing.</summary>
    private static async Task PagesAsync(List<UpstreamEntry> entries, Func<string?, Task<(IEnumerable<UpstreamEntry> Items, string? Next)>> page)
    {
        string? cursor = null;
        for (var i = 0; i < MaxPages; i++)
        {
            IEnumerable<UpstreamEntry> items;
            string? next;
            try
            {
                (items, next) = await page(cursor).ConfigureAwait(false);
            }
            catch (McpProtocolException e) when (e.ErrorCode == McpErrorCode.MethodNotFound)
            {
                return;
            }

            foreach (var item in items)
            {
                if (entries.Count >= MaxTools)
                {
                    throw new InvalidOperationException($"the upstream lists more than {MaxTools} prompts, resources and resource templates");
                }

                entries.Add(item);
            }

            cursor = next;
            if (string.IsNullOrEmpty(cursor))
            {
                break;
            }
        }
    }

    private static async Task<List<UpstreamTool>> ListToolsAsync(McpClient client, CancellationToken cancellationToken)
    {
        var tools = new List<UpstreamTool>();
        string? cursor = null;
        for (var page = 0; page < MaxPages; page++)
        {
            var result = await client.ListToolsAsync(new ListToolsRequestParams { Cursor = cursor }, cancellationToken).ConfigureAwait(false);
            foreach (var tool in result.Tools)
            {
                if (tools.Count >= MaxTools)
                {
                    throw new InvalidOperationException($"the upstream lists more than {MaxTools} tools");
                }

                var definition = JsonSerializer.SerializeToElement(tool, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Tool)));
                tools.Add(new UpstreamTool(tool.Name, tool.Description, definition, Hash(definition)));
            }

            cursor = result.NextCursor;
            if (string.IsNullOrEmpty(cursor))
            {
                break;
            }
        }

        return tools;
    }

    /// <summary>The hash that pins a tool: over its name, title, description, annotations and input and output schemas.</summary>
    private static string Hash(JsonElement definition)
    {
        var pinned = new JsonObject();
        foreach (var key in (string[])["name", "title", "description", "inputSchema", "outputSchema", "annotations"])
        {
            if (definition.TryGetProperty(key, out var value))
            {
                pinned[key] = JsonNode.Parse(value.GetRawText());
            }
        }

        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(pinned.ToJsonString())));
    }

    private void SetCatalog(IReadOnlyList<UpstreamTool> tools, IReadOnlyList<UpstreamEntry> entries)
    {
        var old = Tools;
        var oldEntries = Entries;
        Volatile.Write(ref _repeatable, tools.Where(IsRepeatable).Select(t => t.Name).ToFrozenSet(StringComparer.Ordinal));
        Volatile.Write(ref _tools, tools);
        Volatile.Write(ref _entries, entries);
        if (old.Count != tools.Count || !old.Zip(tools).All(p => p.First.Name == p.Second.Name && p.First.Hash == p.Second.Hash)
            || oldEntries.Count != entries.Count || !oldEntries.Zip(entries).All(p => p.First.PinKey == p.Second.PinKey && p.First.Hash == p.Second.Hash))
        {
            ToolsChanged?.Invoke(this);
        }
    }

    private void Succeeded()
    {
        ConsecutiveFailures = 0;
        LastSuccess = DateTimeOffset.UtcNow;
        Transition(Healthy, null);
    }

    private void Failed(string error)
    {
        ConsecutiveFailures++;
        LastError = error;
        ConnectedSince = null;
        Transition(Unhealthy, error);
    }

    private void Transition(string to, string? error)
    {
        HealthTransition transition;
        lock (_gate)
        {
            if (State == to)
            {
                return;
            }

            transition = new HealthTransition(DateTimeOffset.UtcNow, State, to, error);
            State = to;
        }

        Record(transition);
        HealthChanged?.Invoke(this, transition);
    }

    private void Record(HealthTransition transition)
    {
        lock (_gate)
        {
            _history.AddLast(transition);
            if (_history.Count > MaxHistory)
            {
                _history.RemoveFirst();
            }
        }
    }

    private static TimeSpan Backoff(int attempt)
    {
        var seconds = Math.Min(MaxBackoff.TotalSeconds, 0.5 * Math.Pow(2, Math.Min(attempt, 10)));
        return TimeSpan.FromSeconds(seconds * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }

    private static string Describe(Exception e)
    {
        var message = WithCauses(e is AggregateException { InnerException: { } inner } ? inner : e);
        return message.Length > 500 ? message[..500] + "…" : message;
    }

    private static async Task DisposeQuietlyAsync(McpClient client)
    {
        try
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The connection is being dropped anyway; what went wrong on the way out changes nothing.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _wake.TrySetResult();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        if (_client is { } client)
        {
            await DisposeQuietlyAsync(client).ConfigureAwait(false);
        }

        _stop.Dispose();
        Log.Stopped(_logger, Name);
    }

    /// <summary>Forwards the upstream's progress notifications of a call to our client, in order.</summary>
    private sealed class ProgressForwarder(IClientNotifier notifier) : IProgress<ProgressNotificationValue>
    {
        private readonly object _gate = new();
        private Task _last = Task.CompletedTask;

        public void Report(ProgressNotificationValue value)
        {
            lock (_gate)
            {
                _last = SendAfterAsync(_last, value);
            }
        }

        /// <summary>Waits until every notification reported so far was sent (or failed to be).</summary>
        public Task FlushAsync()
        {
            lock (_gate)
            {
                return _last;
            }
        }

        private async Task SendAfterAsync(Task previous, ProgressNotificationValue value)
        {
            await previous.ConfigureAwait(false);
            try
            {
                await notifier.ProgressAsync(value.Progress, value.Total, value.Message).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // A client that went away misses its progress; the call itself goes on.
            }
        }
    }
}
