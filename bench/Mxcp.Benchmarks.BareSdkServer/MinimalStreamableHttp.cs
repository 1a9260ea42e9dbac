using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Mxcp.Benchmarks.BareSdkServer;

/// <summary>
/// The simplest honest Streamable HTTP mapping of the SDK's Core transports (the sequence the
/// SDK's own AspNetCore package follows): content negotiation, parsing, then either one <see cref="McpServer"/> per POST
/// (stateless mode and 2026-07-28 requests) or a session created by <c>initialize</c> and found by
/// <c>Mcp-Session-Id</c>; SSE answers; GET for a session's stream; DELETE to end it.
/// </summary>
/// <remarks>
/// Deliberately left out, because a minimal server would leave them out and they are part of what Mxcp's own mapping
/// costs: the 2026-07-28 envelope checks (<c>Mcp-Method</c>/<c>Mcp-Name</c>/<c>_meta</c>), protocol-version
/// validation, Host/Origin checks, body-size and concurrency limits, user binding of sessions, idle-session pruning,
/// request headers and user context for tools.
/// </remarks>
internal sealed class MinimalStreamableHttp(IServiceProvider services, Func<McpServerOptions> newOptions, bool stateless)
{
    private const string SessionIdHeader = "Mcp-Session-Id";
    private const string ProtocolVersionHeader = "MCP-Protocol-Version";

    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    public async Task PostAsync(HttpContext context)
    {
        if (!Accepts(context.Request, "application/json") || !Accepts(context.Request, "text/event-stream"))
        {
            await ErrorAsync(context, StatusCodes.Status406NotAcceptable, "Not Acceptable: Client must accept both application/json and text/event-stream");
            return;
        }

        JsonRpcMessage? message;
        try
        {
            message = await context.Request.ReadFromJsonAsync(McpJsonUtilities.DefaultOptions.GetTypeInfo<JsonRpcMessage>(), context.RequestAborted);
        }
        catch (JsonException)
        {
            message = null;
        }

        if (message is null)
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, "Bad Request: the body must be one JSON-RPC message");
            return;
        }

        var version = context.Request.Headers[ProtocolVersionHeader].ToString();
        if (version.Length > 0)
        {
            (message.Context ??= new JsonRpcMessageContext()).ProtocolVersion = version;
        }

        if (stateless || string.CompareOrdinal(version, "2026-07-28") >= 0)
        {
            await ServePerRequestAsync(context, message);
            return;
        }

        var id = context.Request.Headers[SessionIdHeader].ToString();
        Session? session;
        if (id.Length == 0)
        {
            if (message is not JsonRpcRequest { Method: RequestMethods.Initialize })
            {
                await ErrorAsync(context, StatusCodes.Status400BadRequest, "Bad Request: a new session can only be created by an initialize request");
                return;
            }

            session = StartSession();
        }
        else if (!_sessions.TryGetValue(id, out session))
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "Session not found");
            return;
        }

        context.Response.Headers[SessionIdHeader] = session.Id;
        InitializeSse(context);
        if (!await session.Transport.HandlePostRequestAsync(message, context.Response.Body, context.RequestAborted))
        {
            Accepted(context);
        }
    }

    public async Task GetAsync(HttpContext context)
    {
        if (!_sessions.TryGetValue(context.Request.Headers[SessionIdHeader].ToString(), out var session))
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, "Session not found");
            return;
        }

        context.Response.Headers[SessionIdHeader] = session.Id;
        InitializeSse(context);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        try
        {
            await session.Transport.HandleGetRequestAsync(context.Response.Body, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // the client went away
        }
    }

    public async Task DeleteAsync(HttpContext context)
    {
        if (_sessions.TryRemove(context.Request.Headers[SessionIdHeader].ToString(), out var session))
        {
            await session.DisposeAsync();
        }
    }

    public async Task DisposeSessionsAsync()
    {
        foreach (var id in _sessions.Keys)
        {
            if (_sessions.TryRemove(id, out var session))
            {
                await session.DisposeAsync();
            }
        }
    }

    private Session StartSession()
    {
        var id = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(16));
        var transport = new StreamableHttpServerTransport { SessionId = id, FlowExecutionContextFromRequests = true };
        // A session outlives the request that created it: the root services, not the request's.
        var server = McpServer.Create(transport, newOptions(), serviceProvider: services);
        var closed = new CancellationTokenSource();
        var session = new Session(id, transport, server, server.RunAsync(closed.Token), closed);
        _sessions[id] = session;
        return session;
    }

    private async Task ServePerRequestAsync(HttpContext context, JsonRpcMessage message)
    {
        var transport = new StreamableHttpServerTransport { Stateless = true };
        var options = newOptions();
        options.ScopeRequests = false;
        await using var server = McpServer.Create(transport, options, serviceProvider: context.RequestServices);
        using var closed = new CancellationTokenSource();
        var run = server.RunAsync(closed.Token);
        try
        {
            InitializeSse(context);
            if (!await transport.HandlePostRequestAsync(message, context.Response.Body, context.RequestAborted))
            {
                Accepted(context);
            }
        }
        finally
        {
            await transport.DisposeAsync();
            await closed.CancelAsync();
            try
            {
                await run;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static bool Accepts(HttpRequest request, string mediaType)
    {
        var wanted = new MediaTypeHeaderValue(mediaType);
        return request.GetTypedHeaders().Accept is { Count: > 0 } accept && accept.Any(wanted.IsSubsetOf);
    }

    private static void InitializeSse(HttpContext context)
    {
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache,no-store";
        context.Response.Headers.ContentEncoding = "identity";
        context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
    }

    private static void Accepted(HttpContext context)
    {
        context.Response.Headers.ContentType = default;
        context.Response.Headers.CacheControl = default;
        context.Response.Headers.ContentEncoding = default;
        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    private static Task ErrorAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(
            new JsonRpcError { Id = default, Error = new JsonRpcErrorDetail { Code = -32000, Message = text } },
            McpJsonUtilities.DefaultOptions.GetTypeInfo<JsonRpcError>());
    }

    private sealed record Session(string Id, StreamableHttpServerTransport Transport, McpServer Server, Task Run, CancellationTokenSource Closed) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Transport.DisposeAsync();
            await Closed.CancelAsync();
            try
            {
                await Run;
            }
            catch (OperationCanceledException)
            {
            }

            await Server.DisposeAsync();
            Closed.Dispose();
        }
    }
}
