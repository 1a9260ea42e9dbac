using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Mxcp.AspNetCore.Http;

/// <summary>
/// An incoming message filter for requests that arrive in a Streamable HTTP POST. It cancels the request's handler when
/// the POST's connection closes (unless <see cref="MxcpHttpOptions.EnableResumability"/> lets the client come back for
/// the answer), so that a query nobody waits for is interrupted. And when a request is cancelled, by the client's
/// <c>notifications/cancelled</c> or by the closed connection, it ends the POST's response at once: MCP sends no answer
/// to a cancelled request, and the SDK would otherwise keep the response open until the client gives up.
/// </summary>
internal sealed partial class McpRequestCancellation(IHttpContextAccessor accessor, IOptions<MxcpHttpOptions> options, ILogger<McpRequestCancellation> logger)
{
    private readonly bool _resumable = options.Value.EnableResumability;

    public McpMessageHandler Filter(McpMessageHandler next) => async (context, cancellationToken) =>
    {
        if (context.JsonRpcMessage is not JsonRpcRequest { Context.RelatedTransport: { } response } request
            || accessor.HttpContext is not { } http
            || !HttpMethods.IsPost(http.Request.Method))
        {
            await next(context, cancellationToken).ConfigureAwait(false);
            return;
        }

        using var linked = _resumable ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, http.RequestAborted);
        var token = linked?.Token ?? cancellationToken;
        try
        {
            await next(context, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            LogCancelled(logger, request.Method, http.RequestAborted.IsCancellationRequested ? "the client closed the connection" : "it was cancelled");
            await response.DisposeAsync().ConfigureAwait(false);
        }
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "An MCP {Method} request ended without an answer: {Reason}")]
    private static partial void LogCancelled(ILogger logger, string method, string reason);
}
