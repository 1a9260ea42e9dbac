using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Runtime.Mcp;

namespace Mxcp.AspNetCore.Http;

/// <summary>
/// MCP Streamable HTTP on the SDK's Core transports (the SDK's AspNetCore package is not available here): POST for
/// every message, GET for a session's server-to-client stream, DELETE to end a session; stateful, stateless and hybrid
/// session handling; protocol-version negotiation including 2026-07-28; the error table of mcp-sdk-notes §1.9.
/// </summary>
internal sealed partial class StreamableHttpHandler
{
    private static readonly JsonSerializerOptions JsonOptions = McpJsonUtilities.DefaultOptions;
    private readonly MxcpHttpOptions _options;
    private readonly IServiceProvider _services;
    private readonly IOptionsFactory<McpServerOptions> _serverOptionsFactory;
    private readonly IOptions<McpServerOptions> _sharedServerOptions;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly RequestGuards _guards;

    public StreamableHttpHandler(MxcpHttpOptions options, IServiceProvider services, HttpSessionManager sessions, RequestGuards guards)
    {
        _options = options;
        _services = services;
        Sessions = sessions;
        _guards = guards;
        _serverOptionsFactory = services.GetRequiredService<IOptionsFactory<McpServerOptions>>();
        _sharedServerOptions = services.GetRequiredService<IOptions<McpServerOptions>>();
        _loggerFactory = services.GetRequiredService<ILoggerFactory>();
        _logger = _loggerFactory.CreateLogger<StreamableHttpHandler>();
    }

    public HttpSessionManager Sessions { get; }

    private bool SessionsEnabled => _options.SessionMode != MxcpSessionMode.Stateless;

    public async Task HandlePostAsync(HttpContext context)
    {
        if (!await _guards.AdmitAsync(context).ConfigureAwait(false))
        {
            return;
        }

        using var slot = _guards.EnterRequest();
        if (slot is null)
        {
            await _guards.RejectBusyAsync(context).ConfigureAwait(false);
            return;
        }

        if (!Accepts(context.Request, "application/json") || !Accepts(context.Request, "text/event-stream"))
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status406NotAcceptable, HttpErrors.GenericCode,
                "Not Acceptable: Client must accept both application/json and text/event-stream").ConfigureAwait(false);
            return;
        }

        var message = await ReadMessageAsync(context).ConfigureAwait(false);
        if (message is null)
        {
            return;
        }

        var request = message as JsonRpcRequest;
        var requestId = request?.Id ?? default;
        var headerVersion = context.Request.Headers[McpHttpProtocol.ProtocolVersionHeader].ToString() is { Length: > 0 } v ? v : null;
        if (headerVersion is not null && !McpHttpProtocol.IsSupported(headerVersion))
        {
            await HttpErrors.UnsupportedVersionAsync(context, headerVersion, McpHttpProtocol.AllVersions, requestId).ConfigureAwait(false);
            return;
        }

        PrepareContext(context, message, headerVersion);

        var metaVersion = MetaString(request?.Params, McpHttpProtocol.ProtocolVersionMetaKey);
        if (request?.Method == RequestMethods.Initialize && headerVersion is not null
            && request.Params?["protocolVersion"]?.GetValueKind() == JsonValueKind.String
            && request.Params["protocolVersion"]!.GetValue<string>() != headerVersion)
        {
            await HttpErrors.WriteAsync(context, 400, (int)McpErrorCode.HeaderMismatch,
                "The MCP-Protocol-Version header does not match the initialize request's protocolVersion", requestId).ConfigureAwait(false);
            return;
        }

        var stateless2026 = McpHttpProtocol.IsStatelessVersion(headerVersion) || McpHttpProtocol.IsStatelessVersion(metaVersion);
        if (stateless2026 && await Check2026EnvelopeAsync(context, message, headerVersion, metaVersion, requestId).ConfigureAwait(false) is false)
        {
            return;
        }

        if (stateless2026 || !SessionsEnabled)
        {
            if (stateless2026 && _options.SessionMode == MxcpSessionMode.Stateful)
            {
                // A dual-path client downgrades to the initialize handshake when told which versions remain.
                await HttpErrors.UnsupportedVersionAsync(context, headerVersion ?? metaVersion!, McpHttpProtocol.InitializeVersions, requestId).ConfigureAwait(false);
                return;
            }

            if (!stateless2026 && context.Request.Headers.ContainsKey(McpHttpProtocol.SessionIdHeader))
            {
                await HttpErrors.WriteAsync(context, 400, HttpErrors.GenericCode,
                    "Bad Request: The Mcp-Session-Id header is not supported in stateless mode", requestId).ConfigureAwait(false);
                return;
            }

            await ServePerRequestAsync(context, message, stateless2026).ConfigureAwait(false);
            return;
        }

        var sessionId = context.Request.Headers[McpHttpProtocol.SessionIdHeader].ToString();
        HttpMcpSession? session;
        if (sessionId.Length == 0)
        {
            if (request?.Method != RequestMethods.Initialize)
            {
                await HttpErrors.WriteAsync(context, 400, HttpErrors.GenericCode,
                    "Bad Request: A new session can only be created by an initialize request. Include a valid Mcp-Session-Id header for non-initialize requests.",
                    requestId).ConfigureAwait(false);
                return;
            }

            session = await StartSessionAsync(context).ConfigureAwait(false);
        }
        else
        {
            session = await FindSessionAsync(context, sessionId, requestId).ConfigureAwait(false);
            if (session is null)
            {
                return;
            }
        }

        context.Response.Headers[McpHttpProtocol.SessionIdHeader] = session.Id;
        using var reference = session.Acquire();
        InitializeSseResponse(context);
        var transport = (StreamableHttpServerTransport)session.McpTransport;
        var wrote = await transport.HandlePostRequestAsync(message, context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        if (!wrote)
        {
            Accepted(context);
        }
    }

    public async Task HandleGetAsync(HttpContext context)
    {
        if (!await AdmitSessionMethodAsync(context, "Method Not Allowed: 2026-07-28 clients use subscriptions/listen over POST").ConfigureAwait(false))
        {
            return;
        }

        if (!Accepts(context.Request, "text/event-stream"))
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status406NotAcceptable, HttpErrors.GenericCode,
                "Not Acceptable: Client must accept text/event-stream").ConfigureAwait(false);
            return;
        }

        var sessionId = context.Request.Headers[McpHttpProtocol.SessionIdHeader].ToString();
        if (sessionId.Length == 0)
        {
            await HttpErrors.WriteAsync(context, 400, HttpErrors.GenericCode,
                "Bad Request: Mcp-Session-Id header is required for GET and DELETE requests").ConfigureAwait(false);
            return;
        }

        var session = await FindSessionAsync(context, sessionId, default).ConfigureAwait(false);
        if (session is null)
        {
            return;
        }

        if (context.Request.Headers.ContainsKey(McpHttpProtocol.LastEventIdHeader))
        {
            await HttpErrors.WriteAsync(context, 400, HttpErrors.GenericCode,
                "Bad Request: this server does not keep an event store, so streams cannot be resumed with Last-Event-ID").ConfigureAwait(false);
            return;
        }

        if (!session.TryOpenGetStream())
        {
            await HttpErrors.WriteAsync(context, 400, HttpErrors.GenericCode,
                "Bad Request: This session already has an open GET stream").ConfigureAwait(false);
            return;
        }

        try
        {
            using var reference = session.Acquire();
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _guards.Stopping, session.Closed);
            context.Response.Headers[McpHttpProtocol.SessionIdHeader] = session.Id;
            InitializeSseResponse(context);
            await context.Response.Body.FlushAsync(stopping.Token).ConfigureAwait(false);
            await ((StreamableHttpServerTransport)session.McpTransport).HandleGetRequestAsync(context.Response.Body, stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client went away, the session ended, or the server is stopping.
        }
        finally
        {
            session.CloseGetStream();
        }
    }

    public async Task HandleDeleteAsync(HttpContext context)
    {
        if (!await AdmitSessionMethodAsync(context, "Method Not Allowed: 2026-07-28 has no sessions to delete").ConfigureAwait(false))
        {
            return;
        }

        var sessionId = context.Request.Headers[McpHttpProtocol.SessionIdHeader].ToString();
        if (sessionId.Length == 0 || !Sessions.TryGet(sessionId, out var session))
        {
            // Nothing to delete: as the SDK does, answer quietly.
            return;
        }

        if (session.User != UserIdClaim.From(context.User))
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status403Forbidden, HttpErrors.GenericCode,
                "Forbidden: The currently authenticated user does not match the user who initiated the session").ConfigureAwait(false);
            return;
        }

        await Sessions.RemoveAsync(sessionId).ConfigureAwait(false);
    }

    /// <summary>
    /// What GET and DELETE check first: admission (Host, Origin, limits), a supported protocol version, and a client
    /// that has sessions at all (2026-07-28 clients are stateless and get 405 with <paramref name="statelessRefusal"/>).
    /// </summary>
    private async Task<bool> AdmitSessionMethodAsync(HttpContext context, string statelessRefusal)
    {
        if (!await _guards.AdmitAsync(context).ConfigureAwait(false))
        {
            return false;
        }

        var headerVersion = context.Request.Headers[McpHttpProtocol.ProtocolVersionHeader].ToString() is { Length: > 0 } v ? v : null;
        if (headerVersion is not null && !McpHttpProtocol.IsSupported(headerVersion))
        {
            await HttpErrors.UnsupportedVersionAsync(context, headerVersion, McpHttpProtocol.AllVersions).ConfigureAwait(false);
            return false;
        }

        if (McpHttpProtocol.IsStatelessVersion(headerVersion))
        {
            context.Response.Headers.Allow = "POST";
            await HttpErrors.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, HttpErrors.GenericCode, statelessRefusal).ConfigureAwait(false);
            return false;
        }

        return true;
    }

    private async Task<HttpMcpSession> StartSessionAsync(HttpContext context)
    {
        var id = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(16));
        var transport = new StreamableHttpServerTransport(_loggerFactory) { SessionId = id, FlowExecutionContextFromRequests = true };
        var session = new HttpMcpSession(id, "streamable-http", transport, UserIdClaim.From(context.User), _options.TimeProvider);

        // Sessions outlive the request that created them: root services, shared options (so they see list changes).
        var server = McpServer.Create(transport, _sharedServerOptions.Value, _loggerFactory, _services);
        session.Server = server;
        session.RunTask = server.RunAsync(session.Closed);
        await Sessions.AddAsync(session).ConfigureAwait(false);
        LogSessionStarted(_logger, id);
        return session;
    }

    private async Task<HttpMcpSession?> FindSessionAsync(HttpContext context, string sessionId, RequestId requestId)
    {
        if (!Sessions.TryGet(sessionId, out var session) || session.IsDisposed)
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status404NotFound, HttpErrors.SessionNotFoundCode, "Session not found", requestId).ConfigureAwait(false);
            return null;
        }

        if (session.User != UserIdClaim.From(context.User))
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status403Forbidden, HttpErrors.GenericCode,
                "Forbidden: The currently authenticated user does not match the user who initiated the session", requestId).ConfigureAwait(false);
            return null;
        }

        return session;
    }

    /// <summary>One server for one POST: stateless mode and 2026-07-28 clients.</summary>
    private async Task ServePerRequestAsync(HttpContext context, JsonRpcMessage message, bool stateless2026)
    {
        var transport = new StreamableHttpServerTransport(_loggerFactory) { Stateless = true };
        var options = _serverOptionsFactory.Create(Options.DefaultName);
        options.ScopeRequests = false;
        using var closed = new CancellationTokenSource();
        var server = McpServer.Create(transport, options, _loggerFactory, context.RequestServices);
        var run = server.RunAsync(closed.Token);
        try
        {
            InitializeSseResponse(context);
            Func<JsonRpcMessage?, ValueTask>? onResponseStarting = stateless2026 ? first => MapFirstErrorStatus(context, first) : null;
            var wrote = await transport.HandlePostRequestAsync(message, context.Response.Body, onResponseStarting, context.RequestAborted).ConfigureAwait(false);
            if (!wrote)
            {
                Accepted(context);
            }
        }
        finally
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            await closed.CancelAsync().ConfigureAwait(false);
            try
            {
                await run.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>2026-07-28: an error that is the whole answer also sets the HTTP status (-32601 → 404; header errors → 400).</summary>
    private static ValueTask MapFirstErrorStatus(HttpContext context, JsonRpcMessage? first)
    {
        if (first is JsonRpcError error && !context.Response.HasStarted)
        {
            context.Response.StatusCode = error.Error.Code switch
            {
                (int)McpErrorCode.MethodNotFound => StatusCodes.Status404NotFound,
                (int)McpErrorCode.MissingRequiredClientCapability or (int)McpErrorCode.UnsupportedProtocolVersion or (int)McpErrorCode.HeaderMismatch => StatusCodes.Status400BadRequest,
                _ => context.Response.StatusCode,
            };
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The envelope rules of 2026-07-28 (mcp-sdk-notes §1.3 steps 4–7). Writes the error and returns false on failure.</summary>
    private static async Task<bool> Check2026EnvelopeAsync(HttpContext context, JsonRpcMessage message, string? headerVersion, string? metaVersion, RequestId requestId)
    {
        var request = message as JsonRpcRequest;
        if (headerVersion is null)
        {
            await HttpErrors.WriteAsync(context, 400, (int)McpErrorCode.HeaderMismatch, "The MCP-Protocol-Version header is required for protocol 2026-07-28", requestId).ConfigureAwait(false);
            return false;
        }

        if (request is not null)
        {
            if (metaVersion is null)
            {
                await HttpErrors.WriteAsync(context, 400, (int)McpErrorCode.InvalidParams, $"Requests must carry _meta[\"{McpHttpProtocol.ProtocolVersionMetaKey}\"]", requestId).ConfigureAwait(false);
                return false;
            }

            if (metaVersion != headerVersion)
            {
                await HttpErrors.WriteAsync(context, 400, (int)McpErrorCode.HeaderMismatch, "The MCP-Protocol-Version header does not match the request's _meta protocol version", requestId).ConfigureAwait(false);
                return false;
            }

            if (request.Params?["_meta"]?[McpHttpProtocol.ClientCapabilitiesMetaKey] is not JsonObject)
            {
                await HttpErrors.WriteAsync(context, 400, (int)McpErrorCode.InvalidParams, $"Requests must carry _meta[\"{McpHttpProtocol.ClientCapabilitiesMetaKey}\"] as an object", requestId).ConfigureAwait(false);
                return false;
            }
        }

        var method = request?.Method ?? (message as JsonRpcNotification)?.Method;
        if (method is not null)
        {
            var methodHeader = context.Request.Headers[McpHttpProtocol.MethodHeader].ToString();
            if (methodHeader != method)
            {
                await HttpErrors.WriteAsync(context, 400, (int)McpErrorCode.HeaderMismatch,
                    methodHeader.Length == 0 ? "The Mcp-Method header is required" : "The Mcp-Method header does not match the body's method", requestId).ConfigureAwait(false);
                return false;
            }

            var nameKey = method switch
            {
                "tools/call" or "prompts/get" => "name",
                "resources/read" => "uri",
                _ => null,
            };
            if (nameKey is not null && request?.Params?[nameKey]?.GetValueKind() == JsonValueKind.String)
            {
                var nameHeader = context.Request.Headers[McpHttpProtocol.NameHeader].ToString();
                var decoded = nameHeader.Length == 0 ? null : McpHeaderEncoder.DecodeValue(nameHeader);
                if (decoded != request.Params[nameKey]!.GetValue<string>())
                {
                    await HttpErrors.WriteAsync(context, 400, (int)McpErrorCode.HeaderMismatch,
                        nameHeader.Length == 0 ? "The Mcp-Name header is required" : "The Mcp-Name header does not match the body", requestId).ConfigureAwait(false);
                    return false;
                }
            }

            if (request is not null && McpHttpProtocol.RemovedIn2026.Contains(method))
            {
                await HttpErrors.WriteAsync(context, StatusCodes.Status404NotFound, (int)McpErrorCode.MethodNotFound, $"Method '{method}' is not available in protocol 2026-07-28", requestId).ConfigureAwait(false);
                return false;
            }
        }

        return true;
    }

    private async Task<JsonRpcMessage?> ReadMessageAsync(HttpContext context)
    {
        if (context.Request.ContentLength > _options.MaxRequestBodySize)
        {
            await _guards.RejectTooLargeAsync(context).ConfigureAwait(false);
            return null;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = _options.MaxRequestBodySize;
        }

        try
        {
            var message = await context.Request.ReadFromJsonAsync(JsonOptions.GetTypeInfo<JsonRpcMessage>(), context.RequestAborted).ConfigureAwait(false);
            if (message is null)
            {
                await HttpErrors.WriteAsync(context, 400, (int)McpErrorCode.InvalidRequest, "Bad Request: The request body must be one JSON-RPC message").ConfigureAwait(false);
            }

            return message;
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await _guards.RejectTooLargeAsync(context).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException)
        {
            await HttpErrors.WriteAsync(context, 400, (int)McpErrorCode.InvalidRequest, $"Bad Request: The request body is not a JSON-RPC message ({e.Message})").ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>What only the HTTP layer knows goes into the message context: the user, the headers, the transport.</summary>
    private static void PrepareContext(HttpContext context, JsonRpcMessage message, string? headerVersion)
    {
        var messageContext = message.Context ??= new JsonRpcMessageContext();
        if (context.User.Identity?.IsAuthenticated == true)
        {
            messageContext.User = context.User;
        }

        if (headerVersion is not null)
        {
            messageContext.ProtocolVersion = headerVersion;
        }

        messageContext.Items ??= new Dictionary<string, object?>();
        messageContext.Items[McpCallContextFactory.RequestHeadersKey] = RequestHeaders(context);
        messageContext.Items[McpCallContextFactory.TransportKey] = "streamable-http";
    }

    internal static IReadOnlyDictionary<string, string> RequestHeaders(HttpContext context)
    {
        var headers = new Dictionary<string, string>(context.Request.Headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in context.Request.Headers)
        {
            headers[name.ToLowerInvariant()] = values.ToString();
        }

        return headers;
    }

    private static string? MetaString(JsonNode? parameters, string key) =>
        parameters?["_meta"]?[key] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    internal static bool Accepts(HttpRequest request, string mediaType)
    {
        var accept = request.GetTypedHeaders().Accept;
        if (accept is null || accept.Count == 0)
        {
            return false;
        }

        var wanted = new MediaTypeHeaderValue(mediaType);
        return accept.Any(a => wanted.IsSubsetOf(a));
    }

    internal static void InitializeSseResponse(HttpContext context)
    {
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache,no-store";
        context.Response.Headers.ContentEncoding = "identity";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
    }

    private static void Accepted(HttpContext context)
    {
        context.Response.Headers.ContentType = default;
        context.Response.Headers.CacheControl = default;
        context.Response.Headers.ContentEncoding = default;
        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "MCP session {SessionId} started")]
    private static partial void LogSessionStarted(ILogger logger, string sessionId);
}
