using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Runtime.Mcp;
using Mxcp.Runtime.Mcp.Sessions;

namespace Mxcp.AspNetCore.Http;

/// <summary>
/// The legacy HTTP+SSE transport (protocol 2024-11-05) at the paths MXCP clients know, which differ from the SDK's own
/// (<c>/message?sessionId=</c>): <c>GET {pattern}/sse</c> opens the stream and announces
/// <c>{pattern}/messages/?session_id=…</c>, where the client POSTs its messages. A session lives as long as its GET.
/// Host, Origin and the request limits are checked by <see cref="McpRequestGuard"/> before these handlers run.
/// </summary>
internal sealed class LegacySseHandler(
    IOptions<McpServerOptions> serverOptions,
    McpSessionRegistry sessions,
    IOptions<MxcpHttpOptions> httpOptions,
    McpRequestGuard guard,
    ILoggerFactory loggerFactory)
{
    public const string TransportName = "sse";
    private readonly ConcurrentDictionary<string, SseSession> _live = new(StringComparer.Ordinal);

    /// <summary>The session id a message POST names (<c>session_id</c>, or the SDK clients' <c>sessionId</c>).</summary>
    public static string SessionIdOf(HttpRequest request) =>
        request.Query["session_id"].ToString() is { Length: > 0 } id ? id : request.Query["sessionId"].ToString();

    public async Task HandleSseAsync(HttpContext context, string messagesPath)
    {
        if (!Accepts(context.Request, "text/event-stream"))
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status406NotAcceptable, HttpErrors.GenericCode,
                "Not Acceptable: Client must accept text/event-stream").ConfigureAwait(false);
            return;
        }

        var id = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(16));
        var endpoint = $"{context.Request.PathBase}{messagesPath}?session_id={id}";
        InitializeSseResponse(context);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);

        var user = UserIdClaim.From(context.User);
        var transport = new SseResponseStreamTransport(context.Response.Body, endpoint, id);
        await using var disposeTransport = transport.ConfigureAwait(false);
        // A stopping host ends the session once its calls in flight have been answered (their answers travel on this stream).
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, guard.SessionsClosing);
        var server = McpServer.Create(transport, serverOptions.Value, loggerFactory, context.RequestServices);
        await using (server.ConfigureAwait(false))
        {
            // The session must be findable before the endpoint event tells the client where to post.
            var session = new RegisteredSession(id, TransportName, server, user?.Value, ct => EndAsync(ended), httpOptions.Value.TimeProvider);
            _live[id] = new SseSession(transport, user);
            sessions.Add(session);
            using var activity = session.BeginRequest();
            var transportTask = transport.RunAsync(ended.Token);
            try
            {
                await server.RunAsync(ended.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The client went away, the session was ended, or the server is stopping.
            }
            finally
            {
                sessions.Remove(session);
                _live.TryRemove(id, out _);
                await transport.DisposeAsync().ConfigureAwait(false);
                try
                {
                    await transportTask.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    public async Task HandleMessageAsync(HttpContext context)
    {
        var id = SessionIdOf(context.Request);
        if (id.Length == 0)
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, HttpErrors.GenericCode, "Bad Request: session_id is required").ConfigureAwait(false);
            return;
        }

        if (!_live.TryGetValue(id, out var session))
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status404NotFound, HttpErrors.SessionNotFoundCode, "Session not found").ConfigureAwait(false);
            return;
        }

        if (session.Owner != UserIdClaim.From(context.User))
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status403Forbidden, HttpErrors.GenericCode,
                "Forbidden: The currently authenticated user does not match the user who initiated the session").ConfigureAwait(false);
            return;
        }

        JsonRpcMessage? message;
        try
        {
            message = await context.Request.ReadFromJsonAsync(McpJsonUtilities.DefaultOptions.GetTypeInfo<JsonRpcMessage>(), context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException)
        {
            message = null;
        }

        if (message is null)
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status400BadRequest, (int)McpErrorCode.InvalidRequest, "Bad Request: The request body is not a JSON-RPC message").ConfigureAwait(false);
            return;
        }

        // The message is handled after this POST has been answered: what the call needs from the request travels with it.
        var messageContext = message.Context ??= new JsonRpcMessageContext();
        if (context.User.Identity?.IsAuthenticated == true)
        {
            messageContext.User = context.User;
        }

        messageContext.Items ??= new Dictionary<string, object?>();
        messageContext.Items[McpCallContextFactory.RequestHeadersKey] = HttpTransportRequestAccessor.Headers(context.Request);
        messageContext.Items[McpCallContextFactory.TransportKey] = TransportName;

        await session.Transport.OnMessageReceivedAsync(message, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await context.Response.WriteAsync("Accepted", context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<bool> EndAsync(CancellationTokenSource ended)
    {
        try
        {
            await ended.CancelAsync().ConfigureAwait(false);
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    private static bool Accepts(HttpRequest request, string mediaType)
    {
        var accept = request.GetTypedHeaders().Accept;
        var wanted = new MediaTypeHeaderValue(mediaType);
        return accept is { Count: > 0 } && accept.Any(a => wanted.IsSubsetOf(a));
    }

    private sealed record SseSession(SseResponseStreamTransport Transport, UserIdClaim? Owner);

    private static void InitializeSseResponse(HttpContext context)
    {
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache,no-store";
        context.Response.Headers.ContentEncoding = "identity";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
    }
}
