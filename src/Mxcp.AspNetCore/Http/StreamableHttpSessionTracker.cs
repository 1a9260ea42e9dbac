using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;
using Mxcp.Runtime.Mcp.Sessions;

namespace Mxcp.AspNetCore.Http;

/// <summary>
/// Puts the SDK's Streamable HTTP sessions into the <see cref="McpSessionRegistry"/>: it runs every session the SDK
/// starts (the SDK's session-run hook), registering it for as long as it runs. Requests served without a session
/// (stateless mode, 2026-07-28 clients) pass straight through. Ending a session from the admin API sends the protocol's
/// own DELETE, in process, to the SDK's endpoint with the identity of the user who opened it, so the SDK closes it
/// exactly as when its client ends it (its GET stream ends, its id answers 404).
/// </summary>
internal sealed partial class StreamableHttpSessionTracker(
    McpSessionRegistry sessions,
    IServiceProvider services,
    IOptions<MxcpHttpOptions> options,
    ILogger<StreamableHttpSessionTracker> logger)
{
    public const string SessionIdHeader = "Mcp-Session-Id";

    private volatile Func<HttpContext, McpServer, CancellationToken, Task>? _withoutHostHook;

    /// <summary>The session-run hook around <paramref name="inner"/> (a host's own hook, or running the server).</summary>
    public Func<HttpContext, McpServer, CancellationToken, Task> Wrap(Func<HttpContext, McpServer, CancellationToken, Task>? inner)
    {
        var run = inner ?? (static (_, server, ct) => server.RunAsync(ct));
        Func<HttpContext, McpServer, CancellationToken, Task> hook = (context, server, sessionClosed) => server.SessionId is { Length: > 0 } id
            ? RunTrackedAsync(context, server, id, sessionClosed, run)
            : run(context, server, sessionClosed);
        if (inner is null)
        {
            _withoutHostHook = hook;
        }

        return hook;
    }

    /// <summary>Whether <paramref name="hook"/> is this tracker's around no hook of the host's.</summary>
    public bool IsOwnHook(Func<HttpContext, McpServer, CancellationToken, Task>? hook) => hook is not null && hook == _withoutHostHook;

    private async Task RunTrackedAsync(HttpContext context, McpServer server, string id, CancellationToken sessionClosed, Func<HttpContext, McpServer, CancellationToken, Task> run)
    {
        // Streamable HTTP sessions start with a POST; the SDK's own legacy SSE transport (if a host maps it) with a GET.
        var user = context.User;
        var streamable = HttpMethods.IsPost(context.Request.Method);
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(sessionClosed);
        var session = new RegisteredSession(
            id,
            streamable ? HttpTransportRequestAccessor.TransportName : "sse",
            server,
            UserIdClaim.From(user)?.Value,
            streamable ? ct => DeleteAsync(id, user, ct) : ct => CancelAsync(ended),
            options.Value.TimeProvider)
        {
            Binding = UserIdClaim.From(user),
        };
        sessions.Add(session);
        try
        {
            await run(context, server, ended.Token).ConfigureAwait(false);
        }
        finally
        {
            sessions.Remove(session);
        }
    }

    private static async Task<bool> CancelAsync(CancellationTokenSource ended)
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

    /// <summary>Ends a session with the DELETE a client would send, answered in process by the SDK's endpoint.</summary>
    private async Task<bool> DeleteAsync(string id, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var delete = services.GetService<EndpointDataSource>()?.Endpoints
            .OfType<RouteEndpoint>()
            .FirstOrDefault(e => e.Metadata.GetMetadata<MxcpMcpEndpointMetadata>() is not null
                && e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains(HttpMethods.Delete, StringComparer.OrdinalIgnoreCase) == true);
        if (delete?.RequestDelegate is not { } endpoint)
        {
            LogNoDeleteEndpoint(logger, id);
            return false;
        }

        var scope = services.CreateAsyncScope();
        await using var disposeScope = scope.ConfigureAwait(false);
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider, User = user, RequestAborted = cancellationToken };
        context.Request.Method = HttpMethods.Delete;
        context.Request.Headers[SessionIdHeader] = id;
        context.Features.Set(InProcessRequestFeature.Instance);
        await endpoint(context).ConfigureAwait(false);
        if (context.Response.StatusCode != StatusCodes.Status200OK)
        {
            LogDeleteRefused(logger, id, context.Response.StatusCode);
            return false;
        }

        return !sessions.TryGet(id, out _);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot end MCP session {SessionId}: no Streamable HTTP endpoint mapped with MapMxcp() to send its DELETE to")]
    private static partial void LogNoDeleteEndpoint(ILogger logger, string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ending MCP session {SessionId} failed: its DELETE was answered {Status}")]
    private static partial void LogDeleteRefused(ILogger logger, string sessionId, int status);
}
