using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Runtime.Mcp;

namespace Mxcp.AspNetCore.Http;

/// <summary>
/// The legacy HTTP+SSE transport (protocol 2024-11-05), at the reference's paths: <c>GET /sse</c> opens the stream and
/// announces <c>/messages/?session_id=…</c>, where the client POSTs its messages. A session lives as long as its GET.
/// </summary>
internal sealed class LegacySseHandler(MxcpHttpOptions options, IServiceProvider services, HttpSessionManager sessions, RequestGuards guards)
{
    private readonly ILoggerFactory _loggerFactory = services.GetRequiredService<ILoggerFactory>();
    private readonly McpServerOptions _serverOptions = services.GetRequiredService<IOptions<McpServerOptions>>().Value;

    public async Task HandleSseAsync(HttpContext context, string messagesPath)
    {
        if (!await guards.AdmitAsync(context).ConfigureAwait(false))
        {
            return;
        }

        if (!StreamableHttpHandler.Accepts(context.Request, "text/event-stream"))
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status406NotAcceptable, HttpErrors.GenericCode,
                "Not Acceptable: Client must accept text/event-stream").ConfigureAwait(false);
            return;
        }

        var id = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(16));
        var endpoint = $"{context.Request.PathBase}{messagesPath}?session_id={id}";
        StreamableHttpHandler.InitializeSseResponse(context);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);

        var transport = new SseResponseStreamTransport(context.Response.Body, endpoint, id);
        var session = new HttpMcpSession(id, "sse", transport, UserIdClaim.From(context.User), options.TimeProvider);
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, guards.Stopping, session.Closed);

        // The session must be findable before the endpoint event tells the client where to post.
        var server = McpServer.Create(transport, _serverOptions, _loggerFactory, services);
        session.Server = server;
        await sessions.AddAsync(session).ConfigureAwait(false);
        var reference = session.Acquire();
        var transportTask = transport.RunAsync(stopping.Token);
        try
        {
            session.RunTask = server.RunAsync(stopping.Token);
            await session.RunTask.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            reference.Dispose();
            await sessions.RemoveAsync(id).ConfigureAwait(false);
            try
            {
                await transportTask.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    public async Task HandleMessageAsync(HttpContext context)
    {
        if (!await guards.AdmitAsync(context).ConfigureAwait(false))
        {
            return;
        }

        using var slot = guards.EnterRequest();
        if (slot is null)
        {
            await guards.RejectBusyAsync(context).ConfigureAwait(false);
            return;
        }

        var id = context.Request.Query["session_id"].ToString();
        if (id.Length == 0)
        {
            id = context.Request.Query["sessionId"].ToString();
        }

        if (id.Length == 0)
        {
            await HttpErrors.WriteAsync(context, 400, HttpErrors.GenericCode, "Bad Request: session_id is required").ConfigureAwait(false);
            return;
        }

        if (!sessions.TryGet(id, out var session) || session.McpTransport is not SseResponseStreamTransport transport)
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status404NotFound, HttpErrors.SessionNotFoundCode, "Session not found").ConfigureAwait(false);
            return;
        }

        if (session.User != UserIdClaim.From(context.User))
        {
            await HttpErrors.WriteAsync(context, StatusCodes.Status403Forbidden, HttpErrors.GenericCode,
                "Forbidden: The currently authenticated user does not match the user who initiated the session").ConfigureAwait(false);
            return;
        }

        if (context.Request.ContentLength > options.MaxRequestBodySize)
        {
            await guards.RejectTooLargeAsync(context).ConfigureAwait(false);
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = options.MaxRequestBodySize;
        }

        JsonRpcMessage? message;
        try
        {
            message = await context.Request.ReadFromJsonAsync(McpJsonUtilities.DefaultOptions.GetTypeInfo<JsonRpcMessage>(), context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await guards.RejectTooLargeAsync(context).ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException)
        {
            message = null;
        }

        if (message is null)
        {
            await HttpErrors.WriteAsync(context, 400, (int)McpErrorCode.InvalidRequest, "Bad Request: The request body is not a JSON-RPC message").ConfigureAwait(false);
            return;
        }

        var messageContext = message.Context ??= new JsonRpcMessageContext();
        if (context.User.Identity?.IsAuthenticated == true)
        {
            messageContext.User = context.User;
        }

        messageContext.Items ??= new Dictionary<string, object?>();
        messageContext.Items[McpCallContextFactory.RequestHeadersKey] = StreamableHttpHandler.RequestHeaders(context);
        messageContext.Items[McpCallContextFactory.TransportKey] = "sse";

        using var reference = session.Acquire();
        await transport.OnMessageReceivedAsync(message, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await context.Response.WriteAsync("Accepted", context.RequestAborted).ConfigureAwait(false);
    }
}
