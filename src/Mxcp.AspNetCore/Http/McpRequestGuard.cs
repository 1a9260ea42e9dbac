using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Mcp.Sessions;
using Mxcp.Runtime.Reload;

namespace Mxcp.AspNetCore.Http;

/// <summary>
/// The checks the SDK's MCP endpoints do not make, as an endpoint filter on every endpoint <c>MapMxcp</c> maps: the
/// server is not shutting down (503), the Host and Origin headers name an allowed host (403, against DNS rebinding), the
/// body arrives within <see cref="MxcpHttpOptions.RequestBodyTimeout"/> (408) and stays under
/// <see cref="MxcpHttpOptions.MaxRequestBodySize"/> (413), and at most <see cref="MxcpHttpOptions.MaxConcurrentRequests"/>
/// POSTs run at once, <see cref="MxcpHttpOptions.MaxConcurrentRequestsPerClient"/> of them for one client (429). A POST's
/// body is read in full before it takes a slot, so a client that sends slowly holds a connection but no slot, and its
/// slowness is logged at debug level only. It also marks the session a request belongs to as active (for the admin API)
/// and lets the host drain the POSTs in flight before the sessions close on shutdown. When the
/// project's profile configures <c>auth</c>, an MCP endpoint without any authorization requirement refuses every call
/// (503) rather than serving it unauthenticated.
/// </summary>
internal sealed partial class McpRequestGuard : IEndpointFilter, IDisposable
{
    /// <summary>How long the answers of calls that ended (or were cancelled) at shutdown may take to be written.</summary>
    public static readonly TimeSpan AnswerGrace = TimeSpan.FromSeconds(2);

    private static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]", "::1"];
    private readonly MxcpHttpOptions _options;
    private readonly SemaphoreSlim _slots;
    private readonly Dictionary<string, int> _perClient = new(StringComparer.Ordinal);
    private readonly Lock _perClientGate = new();
    private readonly McpSessionRegistry _sessions;
    private readonly ProjectSnapshotProvider _snapshots;
    private readonly InFlightCalls _calls;
    private readonly CancellationToken _applicationStopping;
    private readonly CancellationTokenSource _sessionsClosing = new();
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _draining;
    private readonly bool _splicing;
    private readonly DirectToolCalls _direct;
    private readonly IMcpAuthEnforcement[] _enforcement;
    private int _posts;

    public McpRequestGuard(
        IOptions<MxcpHttpOptions> options, IOptions<HttpServerTransportOptions> transport, McpSessionRegistry sessions, ProjectSnapshotProvider snapshots, InFlightCalls calls,
        IHostApplicationLifetime lifetime, DirectToolCalls direct, IEnumerable<IMcpAuthEnforcement> enforcement, ILogger<McpRequestGuard> logger)
    {
        _options = options.Value;
        _enforcement = [.. enforcement];
        _direct = direct;

        // With an event store the SDK keeps each message it sends for replay: a stand-in there would be replayed as it is.
#pragma warning disable MCP9006 // The store exists for stateful sessions, which Mxcp serves.
        _splicing = transport.Value.EventStreamStore is null;
#pragma warning restore MCP9006
        _sessions = sessions;
        _snapshots = snapshots;
        _calls = calls;
        _logger = logger;
        _slots = new SemaphoreSlim(_options.MaxConcurrentRequests, _options.MaxConcurrentRequests);
        _applicationStopping = lifetime.ApplicationStopping;
    }

    /// <summary>Whether new requests are refused because the host is stopping.</summary>
    public bool IsStopping => _draining || _applicationStopping.IsCancellationRequested;

    /// <summary>Cancelled once the POSTs in flight have been answered at shutdown: long-lived sessions end then.</summary>
    public CancellationToken SessionsClosing => _sessionsClosing.Token;

    /// <summary>POSTs running now.</summary>
    public int ActivePosts => Volatile.Read(ref _posts);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        if (context.Features.Get<InProcessRequestFeature>() is not null)
        {
            return await next(invocation).ConfigureAwait(false);
        }

        if (IsStopping)
        {
            return await RefuseStoppingAsync(context).ConfigureAwait(false);
        }

        if (RejectedHost(context) is { } rejected)
        {
            LogRejectedHost(_logger, rejected);
            return await RefuseAsync(context, StatusCodes.Status403Forbidden, $"Forbidden: {rejected} is not allowed (DNS rebinding protection)").ConfigureAwait(false);
        }

        if (UnprotectedAuthProvider(context) is { } provider)
        {
            LogUnprotected(_logger, provider);
            return await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable,
                $"Service Unavailable: the profile configures auth (provider {provider}) but this MCP endpoint does not enforce it. If a reload added the auth block, restart the server; a host adds AddMxcp(...).AddAuthentication() (Mxcp.Authentication) or protects MapMxcp(...) with RequireAuthorization()").ConfigureAwait(false);
        }

        var session = SessionOf(context.Request);
        using var activity = session?.BeginRequest();
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            session?.MarkServedByServer();
            return await next(invocation).ConfigureAwait(false);
        }

        if (context.Request.ContentLength > _options.MaxRequestBodySize)
        {
            return await RefuseTooLargeAsync(context).ConfigureAwait(false);
        }

        var (refused, body) = await ReadBodyAsync(context).ConfigureAwait(false);
        if (refused is not null)
        {
            return refused;
        }

        if (JsonRpcBodyCheck.Check(body) is { } problem)
        {
            LogMalformed(_logger, ClientOf(context), problem.Message);
            await HttpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, problem.Code, problem.Message, problem.Id).ConfigureAwait(false);
            return Results.Empty;
        }

        if (IsStopping)
        {
            return await RefuseStoppingAsync(context).ConfigureAwait(false);
        }

        if (!_slots.Wait(0))
        {
            context.Response.Headers.RetryAfter = "1";
            return await RefuseAsync(context, StatusCodes.Status429TooManyRequests,
                $"Too Many Requests: more than {_options.MaxConcurrentRequests} requests are already running; retry shortly").ConfigureAwait(false);
        }

        var client = ClientOf(context);
        if (!TryEnterClient(client))
        {
            _slots.Release();
            context.Response.Headers.RetryAfter = "1";
            return await RefuseAsync(context, StatusCodes.Status429TooManyRequests,
                $"Too Many Requests: this client already has {_options.MaxConcurrentRequestsPerClient} requests running; retry shortly").ConfigureAwait(false);
        }

        // Admitted atomically with the start of a drain: either the calls of this POST are let in and waited for, or
        // the POST is refused with 503 here (never refused halfway with an error answer from the pipeline).
        var admission = _draining ? null : _calls.TryAdmit();
        if (admission is null)
        {
            ExitClient(client);
            _slots.Release();
            return await RefuseStoppingAsync(context).ConfigureAwait(false);
        }

        Interlocked.Increment(ref _posts);
        var legacy = context.GetEndpoint()?.Metadata.GetMetadata<LegacySseMessagesMetadata>() is not null;
        var direct = legacy ? null : _direct.TryAccept(context, body.Span, session);
        if (direct is null && session is not null)
        {
            session.MarkServedByServer();
            _direct.CancelIfNamed(session, body.Span);
        }

        var splicing = _splicing && !legacy && direct is null
            ? ResultSplicingBody.Install(context)
            : null;
        try
        {
            if (direct is not null)
            {
                await _direct.AnswerAsync(context, direct).ConfigureAwait(false);
                return Results.Empty;
            }

            return await next(invocation).ConfigureAwait(false);
        }
        finally
        {
            if (splicing is not null)
            {
                await EndSplicingAsync(context, splicing).ConfigureAwait(false);
            }

            admission.Dispose();
            ExitClient(client);
            _slots.Release();
            if (Interlocked.Decrement(ref _posts) == 0 && _draining)
            {
                _drained.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Refuses new requests from now on and waits until the calls in flight have ended and the POSTs carrying them have
    /// been answered. When <paramref name="cancellationToken"/> (the host's shutdown timeout) fires first, the calls still
    /// running are cancelled (<see cref="InFlightCalls.DrainAsync"/>) and their error answers get
    /// <see cref="AnswerGrace"/> to be written. Streams (GET) are not waited for; they end once this returns.
    /// </summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        try
        {
            await _calls.DrainAsync(cancellationToken).ConfigureAwait(false);
            if (Volatile.Read(ref _posts) == 0)
            {
                return;
            }

            LogDraining(_logger, Volatile.Read(ref _posts));
            var answered = _drained.Task;
            if (!cancellationToken.IsCancellationRequested)
            {
                await answered.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            if (!answered.IsCompleted)
            {
                await answered.WaitAsync(AnswerGrace).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        finally
        {
            await _sessionsClosing.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads the whole body into memory (at most <see cref="MxcpHttpOptions.MaxRequestBodySize"/> bytes, within
    /// <see cref="MxcpHttpOptions.RequestBodyTimeout"/>) and puts it back as the request body for the SDK's handler.
    /// </summary>
    /// <returns>
    /// The body, or the result of a request that has been answered already (or whose client is gone).
    /// </returns>
    private async Task<(object? Refused, ReadOnlyMemory<byte> Body)> ReadBodyAsync(HttpContext context)
    {
        var request = context.Request;
        var limit = _options.MaxRequestBodySize;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        // The timeout cancels the pending read through the pipe (the read returns, marked cancelled) rather than
        // through a token, which would leave Kestrel's body reader mid-read and make it log an error when it drains
        // the rest of the body after the answer.
        // The timer starts with the first read that has to wait: a body that has already arrived (the common small POST)
        // needs none.
        var reader = request.BodyReader;
        CancellationTokenSource? timeout = null;
        CancellationTokenRegistration registration = default;

        // The buffer grows as the body arrives: a declared Content-Length reserves nothing, so that clients that
        // declare large bodies and send them slowly cannot make the server hold memory for bytes it never gets.
        var declared = request.ContentLength;
        var capacityLimit = declared ?? limit + 1;
        var buffer = new byte[Math.Min(capacityLimit, 16 * 1024)];
        var length = 0;
        try
        {
            while (true)
            {
                if (!reader.TryRead(out var result))
                {
                    if (timeout is null && _options.RequestBodyTimeout != Timeout.InfiniteTimeSpan)
                    {
                        timeout = new CancellationTokenSource();
                        registration = timeout.Token.Register(reader.CancelPendingRead);
                        timeout.CancelAfter(_options.RequestBodyTimeout);
                    }

                    result = await reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
                }

                if (result.IsCanceled)
                {
                    reader.AdvanceTo(result.Buffer.Start);
                    LogSlowBody(_logger, ClientOf(context), length, _options.RequestBodyTimeout.TotalSeconds);
                    context.Response.Headers.Connection = "close";
                    return (await RefuseAsync(context, StatusCodes.Status408RequestTimeout,
                        $"Request Timeout: the request body did not arrive within {_options.RequestBodyTimeout.TotalSeconds:0.###} s").ConfigureAwait(false), default);
                }

                var received = result.Buffer;
                if (length + received.Length > limit)
                {
                    reader.AdvanceTo(received.End);
                    return (await RefuseTooLargeAsync(context).ConfigureAwait(false), default);
                }

                if (length + received.Length > buffer.Length)
                {
                    var grown = Math.Max(length + received.Length, Math.Min((long)buffer.Length * 2, capacityLimit));
                    Array.Resize(ref buffer, (int)grown);
                }

                System.Buffers.BuffersExtensions.CopyTo(received, buffer.AsSpan(length));
                length += (int)received.Length;
                reader.AdvanceTo(received.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (await RefuseTooLargeAsync(context).ConfigureAwait(false), default);
        }
        catch (Exception e) when (e is BadHttpRequestException or IOException or OperationCanceledException)
        {
            // Kestrel cut a body below its minimum data rate, the body was malformed, or the client went away: nothing
            // to answer that anyone would read, and nothing wrong with the server.
            LogBodyNotRead(_logger, ClientOf(context), e.Message);
            if (!context.Response.HasStarted && e is BadHttpRequestException bad)
            {
                context.Response.StatusCode = bad.StatusCode;
                context.Response.Headers.Connection = "close";
            }

            return (Results.Empty, default);
        }
        finally
        {
            registration.Dispose();
            timeout?.Dispose();
        }

        request.Body = new MemoryStream(buffer, 0, length, writable: false);
        request.ContentLength = length;
        return (null, buffer.AsMemory(0, length));
    }

    /// <summary>Who a request counts against for <see cref="MxcpHttpOptions.MaxConcurrentRequestsPerClient"/>.</summary>
    private static string ClientOf(HttpContext context) =>
        UserIdClaim.From(context.User) is { } user ? "user " + user.Value : "address " + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    private bool TryEnterClient(string client)
    {
        lock (_perClientGate)
        {
            var running = _perClient.GetValueOrDefault(client);
            if (running >= _options.MaxConcurrentRequestsPerClient)
            {
                return false;
            }

            _perClient[client] = running + 1;
            return true;
        }
    }

    private void ExitClient(string client)
    {
        lock (_perClientGate)
        {
            var running = _perClient[client] - 1;
            if (running == 0)
            {
                _perClient.Remove(client);
            }
            else
            {
                _perClient[client] = running;
            }
        }
    }

    private static Task<object?> RefuseStoppingAsync(HttpContext context)
    {
        context.Response.Headers.Connection = "close";
        return RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "Service Unavailable: the server is shutting down");
    }

    private RegisteredSession? SessionOf(HttpRequest request)
    {
        var id = request.Headers["Mcp-Session-Id"].ToString();
        if (id.Length == 0 && HttpMethods.IsPost(request.Method))
        {
            id = LegacySseHandler.SessionIdOf(request);
        }

        return id.Length > 0 && _sessions.TryGet(id, out var session) ? session : null;
    }

    private Task<object?> RefuseTooLargeAsync(HttpContext context) =>
        RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, $"Payload Too Large: the request body exceeds {_options.MaxRequestBodySize} bytes");

    private static async Task<object?> RefuseAsync(HttpContext context, int status, string message)
    {
        if (!context.Response.HasStarted)
        {
            try
            {
                await HttpErrors.WriteAsync(context, status, HttpErrors.GenericCode, message).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // The client is gone.
            }
        }

        return Results.Empty;
    }

    /// <summary>
    /// The provider of the profile's <c>auth</c> when nothing enforces it on this request: the endpoint has no
    /// authorization requirement at all (the host added neither Mxcp's authentication nor its own), or Mxcp's
    /// authentication started without auth (a reload added it since); <see langword="null"/> otherwise.
    /// </summary>
    private string? UnprotectedAuthProvider(HttpContext context) =>
        _snapshots.Current?.Config.UserProfile.Auth is { Provider: not "none" } auth
        && (context.GetEndpoint()?.Metadata.GetMetadata<IAuthorizeData>() is null || Array.Exists(_enforcement, e => !e.Enforces))
            ? auth.Provider
            : null;

    /// <summary>Whether the Host header names an allowed host (Origin is not checked): for OAuth routes next to the MCP endpoint.</summary>
    public bool IsHostAllowed(HttpContext context)
    {
        var allowed = AllowedHosts(context);
        return allowed is null || IsAllowed(context.Request.Host.Host, allowed);
    }

    private IReadOnlyCollection<string>? AllowedHosts(HttpContext context) =>
        _options.AllowedHosts is { } configured
            ? configured.Contains("*") ? null : [.. configured]
            : context.Connection.LocalIpAddress is { } local && IPAddress.IsLoopback(local) ? LoopbackHosts : null;

    /// <summary>The offending header, or <see langword="null"/> when Host and Origin are acceptable.</summary>
    private string? RejectedHost(HttpContext context)
    {
        var allowed = AllowedHosts(context);
        if (allowed is null)
        {
            return null;
        }

        var host = context.Request.Host.Host;
        if (!IsAllowed(host, allowed))
        {
            return $"Host '{context.Request.Host.Value}'";
        }

        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && origin != "null")
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || !IsAllowed(uri.Host, allowed))
            {
                return $"Origin '{origin}'";
            }
        }

        return null;
    }

    private static bool IsAllowed(string host, IReadOnlyCollection<string> allowed)
    {
        foreach (var candidate in allowed)
        {
            if (candidate.AsSpan().Trim("[]").Equals(host.AsSpan().Trim("[]"), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public void Dispose()
    {
        _slots.Dispose();
        _sessionsClosing.Dispose();
    }

    /// <summary>Ends the splicing body of a POST: logs what was written into it, and what could not be.</summary>
    private async Task EndSplicingAsync(HttpContext context, ResultSplicingBody body)
    {
        try
        {
            var lost = await body.EndAsync(context).ConfigureAwait(false);
            if (body.Spliced > 0)
            {
                LogSpliced(_logger, body.Spliced);
            }

            if (lost > 0)
            {
                LogSpliceLost(_logger, lost);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away while the end of the answer was being written.
            LogSpliceEndFailed(_logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Wrote {Count} large result(s) straight into the response")]
    private static partial void LogSpliced(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} large result(s) did not pass through their response and were not sent; the client got an error result in their place")]
    private static partial void LogSpliceLost(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The end of a response could not be written: {Reason}")]
    private static partial void LogSpliceEndFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a request: {Header} is not allowed (DNS rebinding protection)")]
    private static partial void LogRejectedHost(ILogger logger, string header);

    [LoggerMessage(Level = LogLevel.Error, Message = "Refused an MCP request: the profile configures auth (provider {Provider}) but the endpoint does not enforce it (a reload that adds auth needs a restart)")]
    private static partial void LogUnprotected(ILogger logger, string provider);

        [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: waiting for {Requests} MCP request(s) to be answered")]
    private static partial void LogDraining(ILogger logger, int requests);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Refused a request of {Client} with 408: {Bytes} byte(s) of its body arrived within {Seconds} s")]
    private static partial void LogSlowBody(ILogger logger, string client, int bytes, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a malformed MCP request of {Client}: {Reason}")]
    private static partial void LogMalformed(ILogger logger, string client, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The body of a request of {Client} could not be read: {Reason}")]
    private static partial void LogBodyNotRead(ILogger logger, string client, string reason);
}
