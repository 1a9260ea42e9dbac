using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Abstractions;
using Mxcp.Runtime.Hosting;
using Mxcp.Runtime.Mcp;
using Mxcp.Runtime.Mcp.Sessions;
using System.Collections.Concurrent;

namespace Mxcp.AspNetCore.Http;

/// <summary>
/// Answers the commonest request a stateless server gets, a Streamable HTTP POST carrying one <c>tools/call</c> of a
/// project's SQL tool, without building the SDK's per-request server and options: the call runs through the same
/// invoker and pipeline (policies, validation, audit, metrics) and the answer is the event the SDK would write, byte for
/// byte. A <c>tools/list</c> without a cursor is answered the same way when every tool listed is a project endpoint and
/// the host adds no list handler or filter: the tools are serialized once per version of the tool collection instead of
/// per request. A call in a Streamable HTTP session is answered the same way, on the session's behalf, when the session is
/// one of this server's, the request carries the session's user and negotiated protocol version, and a request of the
/// session reached the SDK within <see cref="SessionRefresh"/> (the SDK counts a session's idle time from the requests
/// it serves, so one request a minute keeps going to it); a <c>notifications/cancelled</c> of the session cancels such a
/// call as the SDK would. A 2026-07-28 request without a session is answered here when its routing headers match its
/// body. Calls of Python tools are answered here like those of SQL tools; a call of an upstream server's tool is answered
/// here when it has no session and is of a revision before 2026-07-28 (its client can then be sent no requests, see
/// <see cref="AnswersHere"/>). Everything else goes to the SDK: other methods, batches, notifications, a <c>_meta</c>
/// holding more than W3C trace context and the 2026-07-28 per-request metadata (a progress token, a log level), an
/// <c>Accept</c> header that does not name both media types, unknown tools, tools of other languages (they may send
/// progress or requests to the client mid-call), and any server the host extends in ways this path would skip: its own
/// message or tool-call filters, call-tool handlers, session hooks, a fixed protocol version, or a listener on the SDK's
/// traces or metrics;
/// session calls also when the SDK keeps events for resumption or runs each session in its own execution context.
/// </summary>
internal sealed partial class DirectToolCalls : IDisposable
{
    private const string SdkTelemetryName = "Experimental.ModelContextProtocol";

    /// <summary>The language of the tools of upstream MCP servers (the upstream plugin's executor).</summary>
    private const string UpstreamLanguage = "upstream";

    private const string PerRequestMetadataVersion = "2026-07-28";
    private const string ServerInfoKey = "io.modelcontextprotocol/serverInfo";
    private static readonly string[] EarlierVersions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];
    private static readonly byte[] PerRequestMetadataVersionUtf8 = Encoding.UTF8.GetBytes(PerRequestMetadataVersion);
    private static readonly SearchValues<char> PlainHeaderChars = SearchValues.Create(
        " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");
    private static readonly JsonTypeInfo<CallToolResult> ResultType = McpJsonUtilities.DefaultOptions.GetTypeInfo<CallToolResult>();
    private static readonly byte[] ListTail = "}"u8.ToArray();
    private static readonly JsonTypeInfo<ListToolsResult> ListResultType = McpJsonUtilities.DefaultOptions.GetTypeInfo<ListToolsResult>();
    private static readonly JsonTypeInfo<RequestId> IdType = McpJsonUtilities.DefaultOptions.GetTypeInfo<RequestId>();
    private static readonly JsonTypeInfo<JsonRpcMessage> MessageType = McpJsonUtilities.DefaultOptions.GetTypeInfo<JsonRpcMessage>();
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = McpJsonUtilities.DefaultOptions.Encoder, SkipValidation = true };

    private readonly MxcpHttpOptions _httpOptions;
    private readonly IOptions<HttpServerTransportOptions> _transport;
    private readonly IOptions<McpServerOptions> _server;
    private readonly McpMessageFilter[] _ownIncomingFilters;
    private readonly McpPrimitiveSynchronizer _primitives;
    private readonly EndpointInvoker _invoker;
    private readonly StreamableHttpSessionTracker _tracker;
    private readonly ILogger _logger;
    private readonly ActivitySource _sdkSource = new(SdkTelemetryName);
    private readonly MeterListener _sdkMeters = new();
    private readonly List<Instrument> _sdkInstruments = [];
    private readonly ConditionalWeakTable<McpServerTool, StrongBox<bool>> _mirrorsHeaders = new();
    private int _serverAllows;
    private byte[] _serverInfo = [];
    private byte[] _metaTail = [];
    private byte[] _largeResultTail = [];
    private bool _sessionCalls;
    private bool _listsTools;
    private byte[] _perRequestListTail = [];
    private int _toolsVersion;
    private ToolListing? _toolList;
    private readonly Lock _toolListGate = new();
    private readonly ConcurrentDictionary<(string Session, RequestId Id), CancellationTokenSource> _sessionCallsRunning = new();

    private enum Mode
    {
        Undecided,
        None,
        Stateless,
        PerRequestMetadataOnly,
        SessionsOnly,
    }

    private enum Version
    {
        Unsupported,
        Earlier,
        PerRequestMetadata,
    }

    public DirectToolCalls(
        IOptions<MxcpHttpOptions> httpOptions,
        IOptions<HttpServerTransportOptions> transport,
        IOptions<McpServerOptions> server,
        IEnumerable<IPostConfigureOptions<McpServerOptions>> setups,
        McpPrimitiveSynchronizer primitives,
        EndpointInvoker invoker,
        StreamableHttpSessionTracker tracker,
        ILogger<DirectToolCalls> logger)
    {
        _httpOptions = httpOptions.Value;
        _transport = transport;
        _server = server;
        _ownIncomingFilters = [.. setups.OfType<MxcpMcpServerOptionsSetup>().Select(s => s.RequestChecks), .. setups.OfType<MxcpHttpServerOptionsSetup>().Select(s => s.Cancellation)];
        _primitives = primitives;
        _invoker = invoker;
        _tracker = tracker;
        _logger = logger;
        _sdkMeters.InstrumentPublished = (instrument, _) =>
        {
            if (instrument.Meter.Name == SdkTelemetryName)
            {
                lock (_sdkInstruments)
                {
                    _sdkInstruments.Add(instrument);
                }
            }
        };
        _sdkMeters.Start();
        _primitives.Tools.Changed += OnToolsChanged;
    }

    /// <summary>The serialized tools of one version of the tool collection: <c>{"tools":[..]</c>, without the closing brace.</summary>
    private sealed record ToolListing(int Version, ReadOnlyMemory<byte>? Json);

    /// <summary>
    /// A <c>tools/call</c> or <c>tools/list</c> this path answers: its id, the tool's name and its arguments (a listing has
    /// neither), and whether it came with the per-request metadata of 2026-07-28.
    /// </summary>
    public sealed record Call(RequestId Id, string Name, IReadOnlyDictionary<string, JsonElement>? Arguments, bool PerRequestMetadata = false)
    {
        /// <summary>The session the call was made in, if any.</summary>
        public RegisteredSession? Session { get; init; }

        /// <summary>
        /// Whether the call's client can be sent no requests: it has no session and is of a revision before 2026-07-28
        /// (whose multi round-trip requests the SDK sends).
        /// </summary>
        public bool Sessionless => Session is null && !PerRequestMetadata;

        /// <summary>Whether this is a <c>tools/list</c> (without a cursor) rather than a <c>tools/call</c>; its name is empty.</summary>
        public bool ListsTools { get; init; }

        /// <summary>For a <c>tools/list</c>: <c>{"tools":[..]</c> of the tool collection when the request was accepted.</summary>
        public ReadOnlyMemory<byte> Listing { get; init; }
    }

    /// <summary>
    /// How long after a session's last request the SDK served its calls are still answered here: a minute, or a quarter of
    /// <see cref="MxcpHttpOptions.IdleTimeout"/> when that is shorter.
    /// </summary>
    public TimeSpan SessionRefresh => _httpOptions.IdleTimeout == Timeout.InfiniteTimeSpan || _httpOptions.IdleTimeout >= TimeSpan.FromMinutes(4)
        ? TimeSpan.FromMinutes(1)
        : _httpOptions.IdleTimeout / 4;

    /// <summary>
    /// The call in <paramref name="body"/> when this path answers it, else <see langword="null"/> (the SDK does).
    /// <paramref name="session"/> is the registered session the request's <c>Mcp-Session-Id</c> names, if any.
    /// </summary>
    public Call? TryAccept(HttpContext context, ReadOnlySpan<byte> body, RegisteredSession? session = null)
    {
        var mode = ServerAllows();
        if (mode == Mode.None)
        {
            return null;
        }

        var headers = context.Request.Headers;
        Call? call;
        if (headers.ContainsKey(StreamableHttpSessionTracker.SessionIdHeader))
        {
            if (!_sessionCalls
                || session is null
                || !SessionAccepts(session, context)
                || SdkObserved()
                || Parse(body) is not { } inSession)
            {
                return null;
            }

            call = inSession with { Session = session };
        }
        else
        {
            var version = VersionOf(headers);
            if (version == Version.Unsupported
                || (version != Version.PerRequestMetadata && mode != Mode.Stateless)
                || mode == Mode.SessionsOnly
                || SdkObserved()
                || Parse(body, version == Version.PerRequestMetadata) is not { } plain
                || (version == Version.PerRequestMetadata && !RoutingHeadersMatch(headers, plain)))
            {
                return null;
            }

            call = plain;
        }

        if (call.ListsTools)
        {
            return _listsTools && ToolList() is { } listing ? call with { Listing = listing } : null;
        }

        return _primitives.Tools.TryGetPrimitive(call.Name, out var tool)
            && tool is EndpointTool { Endpoint.Executor.Language: var language }
            && AnswersHere(language, call)
            && (!call.PerRequestMetadata || !MirrorsHeaders(tool))
            ? call
            : null;
    }

    /// <summary>
    /// Whether a call of a tool of <paramref name="language"/> can be answered here. A SQL or Python tool reaches its
    /// client with log messages (a SQL tool through a SQL function of another executor), which the event stream writes
    /// as the SDK does, and with progress, which it is only given a way to send when the call carries a progress token
    /// (such a call goes to the SDK). An upstream server's tool can also send requests (sampling, elicitation, roots). A
    /// POST without a session, of a revision before 2026-07-28, cannot be sent requests: here they are refused with the
    /// SDK's reason. In a session, or with 2026-07-28's multi round-trip requests, the SDK can send them, so those calls
    /// go to it. Tools of other languages (a host's own executors) always go to the SDK.
    /// </summary>
    private static bool AnswersHere(string language, Call call) =>
        string.Equals(language, "sql", StringComparison.OrdinalIgnoreCase)
        || string.Equals(language, "python", StringComparison.OrdinalIgnoreCase)
        || (string.Equals(language, UpstreamLanguage, StringComparison.OrdinalIgnoreCase) && call.Sessionless);

    /// <summary>Runs the call and writes its answer as the SDK's Streamable HTTP handler would.</summary>
    public async Task AnswerAsync(HttpContext context, Call call)
    {
        if (call.Session is not { } session)
        {
            await AnswerAsync(context, call, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        // Cancelled by the client's notifications/cancelled (CancelIfNamed) or by the closed connection, like the SDK's
        // calls (McpRequestCancellation); a cancelled call gets no answer, and its response ends at once.
        context.Response.Headers[StreamableHttpSessionTracker.SessionIdHeader] = session.Id;
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var key = (session.Id, call.Id);
        var registered = _sessionCallsRunning.TryAdd(key, cancellation);
        try
        {
            await AnswerAsync(context, call, cancellation.Token).ConfigureAwait(false);
        }
        finally
        {
            if (registered)
            {
                _sessionCallsRunning.TryRemove(new KeyValuePair<(string, RequestId), CancellationTokenSource>(key, cancellation));
            }
        }
    }

    private async Task AnswerAsync(HttpContext context, Call call, CancellationToken aborted)
    {
#pragma warning disable MCP9005 // The level a session's client asked for with logging/setLevel, which 2025 clients use.
        var events = new EventStream(context, call.Session?.Server.LoggingLevel);
#pragma warning restore MCP9005
        if (call.ListsTools)
        {
            // The tools as they were when the request was accepted (the SDK's answer, too, lists the collection as it is
            // at one moment).
            var json = call.Listing;
            try
            {
                await events.WriteAnswerAsync(call.Id, null, new ReadOnlySequence<byte>(json), call.PerRequestMetadata ? _perRequestListTail : ListTail, null, aborted)
                    .ConfigureAwait(false);
                LogListed(_logger, json.Length);
            }
            catch (OperationCanceledException) when (aborted.IsCancellationRequested)
            {
                LogCancelled(_logger, "tools/list");
            }

            return;
        }

        var callContext = new CallContext
        {
            User = McpCallContextFactory.FromPrincipal(context.User),
            SessionId = call.Session?.Id,
            RequestHeaders = HttpTransportRequestAccessor.Headers(context.Request),
            Transport = HttpTransportRequestAccessor.TransportName,
            TraceId = Activity.Current?.TraceId.ToHexString(),
            Notifier = call.Sessionless ? new SessionlessClient(events) : events,
        };

        CallToolResult? result = null;
        DirectToolResult? direct = null;
        JsonRpcErrorDetail? error = null;
        try
        {
            var (endpoint, outcome) = await _invoker.CallToolAsync(call.Name, call.Arguments, callContext, aborted).ConfigureAwait(false);
            direct = new DirectToolResult();
            result = McpResultMapper.ToToolResult(endpoint, outcome, direct: direct);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // MCP sends no answer to a cancelled request: the client has gone, or (in a session) told the server it
            // no longer waits, and then the response ends now, as an empty event stream.
            LogCancelled(_logger, call.Name);
            if (!context.RequestAborted.IsCancellationRequested)
            {
                await events.EndWithoutAnswerAsync(context.RequestAborted).ConfigureAwait(false);
            }

            return;
        }
        catch (McpProtocolException e)
        {
            LogToolFailed(_logger, call.Name, e);
            error = new JsonRpcErrorDetail { Code = (int)e.ErrorCode, Message = e.Message };
        }
        catch (Exception e)
        {
            // What the SDK answers for a tool that throws.
            LogToolFailed(_logger, call.Name, e);
            result = new CallToolResult
            {
                IsError = true,
                Content = [new TextContentBlock { Text = e is McpException ? $"An error occurred invoking '{call.Name}': {e.Message}" : $"An error occurred invoking '{call.Name}'." }],
            };
        }

        var written = direct?.Json;
        byte[]? tail = null;
        if (call.PerRequestMetadata && error is null)
        {
            // What the SDK adds to a result on 2026-07-28, where it puts it: the result type (set on the result object),
            // then the server's identity into the serialized result's _meta, appended when the result had none. A large
            // result is the SDK's stand-in there, which has a _meta (its token) before the type.
            if (written is { } json)
            {
                written = json.Slice(0, json.Length - 1);
                tail = _largeResultTail;
            }
            else
            {
                result!.ResultType ??= "complete";
                if (result.Meta is { } meta)
                {
                    meta[ServerInfoKey] = JsonNode.Parse(_serverInfo);
                }
                else
                {
                    var bytes = JsonSerializer.SerializeToUtf8Bytes(result, ResultType);
                    written = new ReadOnlySequence<byte>(bytes, 0, bytes.Length - 1);
                    tail = _metaTail;
                }
            }
        }

        try
        {
            await events.WriteAnswerAsync(call.Id, error, written, tail, result, aborted).ConfigureAwait(false);
            LogAnswered(_logger, call.Name);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            LogCancelled(_logger, call.Name);
        }
    }

    /// <summary>
    /// The <c>tools/list</c> answer's start, <c>{"tools":[..]</c> with every tool as the SDK lists it, serialized once per
    /// version of the tool collection (a reload or a host's change makes a new version); <see langword="null"/> when the
    /// collection holds a tool that is not a project endpoint (the SDK reshapes some host tools' schemas per protocol version).
    /// </summary>
    private ReadOnlyMemory<byte>? ToolList()
    {
        if (Volatile.Read(ref _toolList) is { } listed && listed.Version == Volatile.Read(ref _toolsVersion))
        {
            return listed.Json;
        }

        // One request serializes a new version; the others that need it meanwhile wait for it instead of each holding a
        // copy of the listing (about 3 MB with 10,000 tools).
        lock (_toolListGate)
        {
            var version = Volatile.Read(ref _toolsVersion);
            if (Volatile.Read(ref _toolList) is { } built && built.Version == version)
            {
                return built.Json;
            }

            var result = new ListToolsResult();
            foreach (var tool in _primitives.Tools)
            {
                if (tool is not EndpointTool)
                {
                    Volatile.Write(ref _toolList, new ToolListing(version, null));
                    return null;
                }

                result.Tools.Add(tool.ProtocolTool);
            }

            var bytes = JsonSerializer.SerializeToUtf8Bytes(result, ListResultType);
            var listing = new ToolListing(version, bytes.AsMemory(0, bytes.Length - 1));
            Volatile.Write(ref _toolList, listing);
            return listing.Json;
        }
    }

    private void OnToolsChanged(object? sender, EventArgs e) => Interlocked.Increment(ref _toolsVersion);

    public void Dispose()
    {
        _primitives.Tools.Changed -= OnToolsChanged;
        _sdkMeters.Dispose();
        _sdkSource.Dispose();
    }

    /// <summary>Which requests of this server the path may answer exactly as the SDK would; decided once.</summary>
    private Mode ServerAllows()
    {
        var decided = (Mode)Volatile.Read(ref _serverAllows);
        if (decided != Mode.Undecided)
        {
            return decided;
        }

        var transport = _transport.Value;
        var server = _server.Value;
        var filters = server.Filters;
#pragma warning disable MCPEXP002 // Hooks a host may set; any of them sends every call to the SDK.
        var own = _httpOptions.DirectToolCalls
            && !_httpOptions.LegacySseOnly
            && transport.ConfigureSessionOptions is null
            && _tracker.IsOwnHook(transport.RunSessionHandler)
            && server.ProtocolVersion is null
            && server.Handlers.CallToolHandler is null
            && server.Handlers.CallToolWithAlternateHandler is null
            && filters.Request.CallToolFilters.Count == 0
            && filters.Message.OutgoingFilters is [var outgoing] && outgoing == DeferredToolResults.Filter
            && filters.Message.IncomingFilters.Count == _ownIncomingFilters.Length
            && filters.Message.IncomingFilters.All(_ownIncomingFilters.Contains)
            && server.ToolCollection == _primitives.Tools;
#pragma warning restore MCPEXP002
        var mode = !own ? Mode.None
            : transport.SessionMode == HttpServerSessionMode.Stateless && _httpOptions.SessionMode == MxcpSessionMode.Stateless ? Mode.Stateless
            : transport.SessionMode == HttpServerSessionMode.StatefulForInitializeClients ? Mode.PerRequestMetadataOnly
            : transport.SessionMode == HttpServerSessionMode.Stateful ? Mode.SessionsOnly
            : Mode.None;

        // With an event store the SDK numbers each event of a session for replay; with a per-session execution context
        // it runs the session's handlers in the context the session started in.
#pragma warning disable MCP9006 // The store exists for stateful sessions, which Mxcp serves.
        _sessionCalls = mode is Mode.PerRequestMetadataOnly or Mode.SessionsOnly && transport.EventStreamStore is null && !transport.PerSessionExecutionContext;
#pragma warning restore MCP9006
        if (mode != Mode.None)
        {
            _serverInfo = JsonSerializer.SerializeToUtf8Bytes(server.ServerInfo!, McpJsonUtilities.DefaultOptions.GetTypeInfo<Implementation>());
            byte[] meta = [.. ",\"_meta\":{"u8, .. JsonSerializer.SerializeToUtf8Bytes(ServerInfoKey), .. ":"u8, .. _serverInfo, .. "}"u8];
            _metaTail = [.. meta, .. "}"u8];
            _largeResultTail = [.. meta, .. ",\"resultType\":\"complete\"}"u8];

            // What the SDK's tools/list of the tool collection answers, when no host handler or filter takes part: the
            // tools, then on 2026-07-28 the result type and the caching hints it fills in (no caching), then the server's
            // identity in _meta.
            var empty = JsonSerializer.SerializeToUtf8Bytes(new ListToolsResult(), ListResultType);
            var perRequest = JsonSerializer.SerializeToUtf8Bytes(
                new ListToolsResult { ResultType = "complete", TimeToLive = TimeSpan.Zero, CacheScope = CacheScope.Private }, ListResultType);
            _listsTools = server.Handlers.ListToolsHandler is null
                && filters.Request.ListToolsFilters.All(IsAuthorizationMetadataCheck)
                && empty.AsSpan().SequenceEqual("{\"tools\":[]}"u8)
                && perRequest.AsSpan().StartsWith("{\"tools\":[],"u8);
            _perRequestListTail = [.. perRequest.AsSpan("{\"tools\":[]".Length, perRequest.Length - "{\"tools\":[]".Length - 1), .. _metaTail];
        }

        Volatile.Write(ref _serverAllows, (int)mode);
        LogDecided(_logger, mode.ToString());
        return mode;
    }

    /// <summary>
    /// Whether a tools/list filter is the one the SDK's HTTP transport always adds: it changes nothing and throws only when a
    /// listed tool carries ASP.NET Core authorization metadata, which project endpoints do not (and a listing with any other
    /// tool goes to the SDK). The filter that removes tools a user may not see (<c>AddAuthorizationFilters()</c>) is another.
    /// </summary>
    private static bool IsAuthorizationMetadataCheck(McpRequestFilter<ListToolsRequestParams, ListToolsResult> filter) =>
        filter.Method.DeclaringType?.FullName?.StartsWith("ModelContextProtocol.AspNetCore.AuthorizationFilterSetup", StringComparison.Ordinal) == true
        && filter.Method.Name.Contains("CheckListToolsFilter", StringComparison.Ordinal);

    /// <summary>Whether someone listens to the SDK's own spans or metrics, which only its server records.</summary>
    private bool SdkObserved()
    {
        if (_sdkSource.HasListeners())
        {
            return true;
        }

        lock (_sdkInstruments)
        {
            foreach (var instrument in _sdkInstruments)
            {
                if (instrument.Enabled)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Whether a request naming <paramref name="session"/> may be answered on its behalf: a Streamable HTTP session the
    /// SDK served a request of lately, the user who opened it, the protocol version it negotiated (one of those before
    /// 2026-07-28), and an <c>Accept</c> header naming both media types. Anything else the SDK judges (and refuses).
    /// </summary>
    private bool SessionAccepts(RegisteredSession session, HttpContext context)
    {
        var headers = context.Request.Headers;
        var version = headers["MCP-Protocol-Version"];
        return session.Transport == HttpTransportRequestAccessor.TransportName
            && Equals(session.Binding, UserIdClaim.From(context.User))
            && version.Count == 1
            && version[0] == session.ProtocolVersion
            && Array.IndexOf(EarlierVersions, version[0]) >= 0
            && AcceptsBoth(headers)
            && session.ServedByServerWithin(SessionRefresh);
    }

    /// <summary>
    /// Cancels a call answered here when <paramref name="body"/> is the <c>notifications/cancelled</c> of its session
    /// that names it (the SDK, which gets the notification as well, knows no such request).
    /// </summary>
    public void CancelIfNamed(RegisteredSession session, ReadOnlySpan<byte> body)
    {
        if (_sessionCallsRunning.IsEmpty || CancelledRequest(body) is not { } id
            || !_sessionCallsRunning.TryGetValue((session.Id, id), out var running))
        {
            return;
        }

        try
        {
            running.Cancel();
            LogCancelledByClient(_logger, id.ToString());
        }
        catch (ObjectDisposedException)
        {
            // The call has ended meanwhile.
        }
    }

    /// <summary>The <c>requestId</c> of a single <c>notifications/cancelled</c> message, else <see langword="null"/>.</summary>
    internal static RequestId? CancelledRequest(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            RequestId? id = null;
            var cancelled = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("method"u8))
                {
                    reader.Read();
                    cancelled = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("notifications/cancelled"u8);
                    if (!cancelled)
                    {
                        return null;
                    }
                }
                else if (reader.ValueTextEquals("params"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        return null;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("requestId"u8))
                        {
                            reader.Read();
                            id = reader.TokenType == JsonTokenType.String ? new RequestId(reader.GetString()!)
                                : reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number) ? new RequestId(number)
                                : null;
                        }
                        else
                        {
                            reader.Read();
                            reader.Skip();
                        }
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return cancelled ? id : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool AcceptsBoth(IHeaderDictionary headers)
    {
        bool json = false, stream = false;
        foreach (var value in headers.Accept)
        {
            var text = (value ?? "").AsSpan();
            foreach (var range in text.Split(','))
            {
                var media = text[range];
                var parameters = media.IndexOf(';');
                media = (parameters < 0 ? media : media[..parameters]).Trim();
                json |= media.Equals("application/json", StringComparison.OrdinalIgnoreCase);
                stream |= media.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase);
            }
        }

        return json && stream;
    }

    /// <summary>The version of a request without a session header (<see cref="TryAccept"/> takes those apart).</summary>
    private static Version VersionOf(IHeaderDictionary headers)
    {
        var header = headers["MCP-Protocol-Version"];
        var version = header.Count switch
        {
            0 => Version.Earlier,
            1 when header[0] == PerRequestMetadataVersion => Version.PerRequestMetadata,
            1 when Array.IndexOf(EarlierVersions, header[0]) >= 0 => Version.Earlier,
            _ => Version.Unsupported,
        };
        return version != Version.Unsupported && AcceptsBoth(headers) ? version : Version.Unsupported;
    }

    /// <summary>
    /// Whether the 2026-07-28 routing headers name this call plainly: <c>Mcp-Method</c> is <c>tools/call</c> and
    /// <c>Mcp-Name</c> the tool's name as it is (printable ASCII, not Base64-wrapped), or <c>Mcp-Method</c> is
    /// <c>tools/list</c> and there is no <c>Mcp-Name</c>. Anything else is the SDK's to judge.
    /// </summary>
    private static bool RoutingHeadersMatch(IHeaderDictionary headers, Call call)
    {
        var method = headers["Mcp-Method"];
        var routed = headers["Mcp-Name"];
        if (call.ListsTools)
        {
            return method.Count == 1 && method[0].AsSpan().Trim().SequenceEqual("tools/list") && routed.Count == 0;
        }

        var name = call.Name;
        return method.Count == 1 && method[0].AsSpan().Trim().SequenceEqual("tools/call")
            && routed.Count == 1 && routed[0].AsSpan().Trim().SequenceEqual(name)
            && name.Length > 0 && name.AsSpan().IndexOfAnyExcept(PlainHeaderChars) < 0 && !name.StartsWith("=?", StringComparison.Ordinal);
    }

    /// <summary>Whether the tool's input schema asks for arguments mirrored in headers (<c>x-mcp-header</c>), which the SDK checks.</summary>
    private bool MirrorsHeaders(McpServerTool tool) =>
        _mirrorsHeaders.GetValue(tool, static t => new StrongBox<bool>(t.ProtocolTool.InputSchema.GetRawText().Contains("x-mcp-header", StringComparison.Ordinal))).Value;

    /// <summary>
    /// The body as <c>{"jsonrpc":"2.0","id":..,"method":"tools/call","params":{"name":..,"arguments":{..}}}</c> in any
    /// member order, each member once and nothing else, or as <c>{"jsonrpc":"2.0","id":..,"method":"tools/list"}</c> with
    /// no params or params without members (a cursor goes to the SDK); <see langword="null"/> for anything else. With
    /// <paramref name="perRequestMetadata"/>, the params carry the <c>_meta</c> of 2026-07-28 as well: its protocol
    /// version, the client's capabilities (an object) and maybe its identity (an object). A <c>_meta</c> may also hold
    /// W3C trace context (see <see cref="ReadMeta"/>), and nothing else.
    /// </summary>
    internal static Call? Parse(ReadOnlySpan<byte> body, bool perRequestMetadata = false)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            RequestId? id = null;
            string? name = null;
            Dictionary<string, JsonElement>? arguments = null;
            bool version = false, method = false, list = false, parameters = false, hasArguments = false, meta = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("jsonrpc"u8) && !version)
                {
                    version = reader.Read() && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("2.0"u8);
                    if (!version)
                    {
                        return null;
                    }
                }
                else if (reader.ValueTextEquals("id"u8) && id is null)
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        id = new RequestId(reader.GetString()!);
                    }
                    else if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number))
                    {
                        id = new RequestId(number);
                    }
                    else
                    {
                        return null;
                    }
                }
                else if (reader.ValueTextEquals("method"u8) && !method)
                {
                    method = reader.Read() && reader.TokenType == JsonTokenType.String
                        && (reader.ValueTextEquals("tools/call"u8) || (list = reader.ValueTextEquals("tools/list"u8)));
                    if (!method)
                    {
                        return null;
                    }
                }
                else if (reader.ValueTextEquals("params"u8) && !parameters)
                {
                    parameters = true;
                    if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                    {
                        return null;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("name"u8) && name is null)
                        {
                            if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                            {
                                return null;
                            }

                            name = reader.GetString();
                        }
                        else if (reader.ValueTextEquals("_meta"u8) && !meta)
                        {
                            meta = true;
                            if (!ReadMeta(ref reader, perRequestMetadata))
                            {
                                return null;
                            }
                        }
                        else if (reader.ValueTextEquals("arguments"u8) && !hasArguments)
                        {
                            hasArguments = true;
                            reader.Read();
                            if (reader.TokenType == JsonTokenType.Null)
                            {
                                continue;
                            }

                            if (reader.TokenType != JsonTokenType.StartObject)
                            {
                                return null;
                            }

                            var element = JsonElement.ParseValue(ref reader);
                            arguments = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                            foreach (var property in element.EnumerateObject())
                            {
                                if (!arguments.TryAdd(property.Name, property.Value))
                                {
                                    return null;
                                }
                            }
                        }
                        else
                        {
                            return null;
                        }
                    }

                    if (reader.TokenType != JsonTokenType.EndObject)
                    {
                        return null;
                    }
                }
                else
                {
                    return null;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read() || !version || !method || id is not { } requestId || (perRequestMetadata && !meta))
            {
                return null;
            }

            return list ? (name is null && !hasArguments ? new Call(requestId, "", null, perRequestMetadata) { ListsTools = true } : null)
                : name is not null ? new Call(requestId, name, arguments, perRequestMetadata)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads a request's <c>_meta</c>: whether its members are W3C trace context strings (<c>traceparent</c>,
    /// <c>tracestate</c>, <c>baggage</c>) and, with <paramref name="perRequestMetadata"/>, the metadata of 2026-07-28 (its
    /// protocol version and the client's capabilities, and maybe the client's identity), each once and nothing else. The
    /// SDK reads the trace context only to parent its own span, which it makes only for a listener on its traces, and a
    /// listener sends every request to the SDK; so a call carrying it is answered here as the SDK would answer it.
    /// </summary>
    private static bool ReadMeta(ref Utf8JsonReader reader, bool perRequestMetadata)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        bool version = false, capabilities = false, client = false, parent = false, state = false, baggage = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (perRequestMetadata && reader.ValueTextEquals("io.modelcontextprotocol/protocolVersion"u8) && !version)
            {
                version = reader.Read() && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(PerRequestMetadataVersionUtf8);
                if (!version)
                {
                    return false;
                }
            }
            else if (perRequestMetadata
                && ((reader.ValueTextEquals("io.modelcontextprotocol/clientCapabilities"u8) && !capabilities && (capabilities = true))
                    || (reader.ValueTextEquals("io.modelcontextprotocol/clientInfo"u8) && !client && (client = true))))
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    return false;
                }

                reader.Skip();
            }
            else if ((reader.ValueTextEquals("traceparent"u8) && !parent && (parent = true))
                || (reader.ValueTextEquals("tracestate"u8) && !state && (state = true))
                || (reader.ValueTextEquals("baggage"u8) && !baggage && (baggage = true)))
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }

        return reader.TokenType == JsonTokenType.EndObject && (!perRequestMetadata || (version && capabilities));
    }

    /// <summary>
    /// The POST's response as an event stream, and the call's client as the SDK's server shows it to a stateless POST's
    /// handler: log messages go out as events ahead of the answer (in a session, those at or above the level its client
    /// set with <c>logging/setLevel</c>), and progress is not asked for (a request with a
    /// progress token goes to the SDK). A call without a session is given it inside a <see cref="SessionlessClient"/>, which
    /// refuses requests to the client as the SDK does; a session call (of a SQL or Python tool) sends none.
    /// </summary>
#pragma warning disable MCP9005 // The level a session's client asked for with logging/setLevel, which 2025 clients use.
    private sealed class EventStream(HttpContext context, LoggingLevel? logLevel) : IClientNotifier
#pragma warning restore MCP9005
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private bool _started;

        public bool WantsProgress => false;

        public async ValueTask LogAsync(string level, string message, CancellationToken cancellationToken = default)
        {
            if (!McpClientNotifier.Wanted(logLevel, level))
            {
                return;
            }

#pragma warning disable MCP9005 // Logging is deprecated in 2026-07-28 but still what 2025 clients use for server messages.
            var notification = new JsonRpcNotification
            {
                Method = NotificationMethods.LoggingMessageNotification,
                Params = JsonSerializer.SerializeToNode(McpClientNotifier.LogParameters(level, message), McpJsonUtilities.DefaultOptions.GetTypeInfo<LoggingMessageNotificationParams>()),
            };
#pragma warning restore MCP9005
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var output = Start();
                using (var writer = new Utf8JsonWriter(output, WriterOptions))
                {
                    JsonSerializer.Serialize(writer, notification, MessageType);
                }

                output.Write("\n\n"u8);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }

        public ValueTask ProgressAsync(double progress, double? total = null, string? message = null, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        /// <summary>Writes the answer: an error, a result written as JSON already, or a result object.</summary>
        public async Task WriteAnswerAsync(RequestId id, JsonRpcErrorDetail? error, ReadOnlySequence<byte>? json, byte[]? tail, CallToolResult? result, CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var output = Start();
                if (error is not null)
                {
                    using var writer = new Utf8JsonWriter(output, WriterOptions);
                    JsonSerializer.Serialize(writer, new JsonRpcError { Id = id, Error = error }, MessageType);
                }
                else
                {
                    output.Write("{\"result\":"u8);
                    if (json is { } written)
                    {
                        foreach (var segment in written)
                        {
                            for (var rest = segment; !rest.IsEmpty;)
                            {
                                var part = rest[..Math.Min(rest.Length, 64 * 1024)];
                                output.Write(part.Span);
                                rest = rest[part.Length..];
                                if (output.UnflushedBytes >= 64 * 1024)
                                {
                                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                                }
                            }
                        }

                        output.Write(tail);
                    }
                    else
                    {
                        using var writer = new Utf8JsonWriter(output, WriterOptions);
                        JsonSerializer.Serialize(writer, result!, ResultType);
                    }

                    output.Write(",\"id\":"u8);
                    using (var writer = new Utf8JsonWriter(output, WriterOptions))
                    {
                        JsonSerializer.Serialize(writer, id, IdType);
                    }

                    output.Write(",\"jsonrpc\":\"2.0\"}"u8);
                }

                output.Write("\n\n"u8);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }

        /// <summary>Ends the response of a call that gets no answer: an event stream without events.</summary>
        public async Task EndWithoutAnswerAsync(CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                SetHeaders();
                await context.Response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }

        /// <summary>The response's writer, positioned for the next event's data; the SSE headers are set with the first.</summary>
        private PipeWriter Start()
        {
            SetHeaders();
            var output = context.Response.BodyWriter;
            output.Write("event: message\ndata: "u8);
            return output;
        }

        private void SetHeaders()
        {
            if (!_started)
            {
                _started = true;
                var response = context.Response;
                response.Headers.ContentType = "text/event-stream";
                response.Headers.CacheControl = "no-cache,no-store";
                response.Headers.ContentEncoding = "identity";
                response.Headers["X-Accel-Buffering"] = "no";
                context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stateless tools/call requests of SQL tools answered directly: {Mode}")]
    private static partial void LogDecided(ILogger logger, string mode);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Answered a tools/list directly ({Bytes} bytes of tools)")]
    private static partial void LogListed(ILogger logger, int bytes);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Answered the tools/call of {Tool} directly")]
    private static partial void LogAnswered(ILogger logger, string tool);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The tools/call of {Tool} ended without an answer: the client closed the connection or cancelled it")]
    private static partial void LogCancelled(ILogger logger, string tool);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The client cancelled its request {RequestId}, a tools/call answered directly")]
    private static partial void LogCancelledByClient(ILogger logger, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The tools/call of {Tool} failed")]
    private static partial void LogToolFailed(ILogger logger, string tool, Exception exception);
}
