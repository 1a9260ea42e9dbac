using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Mxcp.AspNetCore.Http;

/// <summary>Writes HTTP-level failures as JSON-RPC error bodies with the matching status, as the SDK's handler does.</summary>
internal static class HttpErrors
{
    /// <summary>The JSON-RPC code of HTTP-level failures (Host, limits, shutting down).</summary>
    public const int GenericCode = -32000;

    /// <summary>The JSON-RPC code of an unknown session id.</summary>
    public const int SessionNotFoundCode = -32001;

    /// <param name="context">The request.</param>
    /// <param name="status">The HTTP status.</param>
    /// <param name="code">The JSON-RPC error code.</param>
    /// <param name="message">The error message.</param>
    /// <param name="id">The id of the request the error answers, when it could be read.</param>
    public static Task WriteAsync(HttpContext context, int status, int code, string message, RequestId id = default)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var error = new JsonRpcError
        {
            Id = id,
            Error = new JsonRpcErrorDetail { Code = code, Message = message },
        };
        return JsonSerializer.SerializeAsync(
            context.Response.Body,
            error,
            McpJsonUtilities.DefaultOptions.GetTypeInfo<JsonRpcError>(),
            context.RequestAborted);
    }
}
