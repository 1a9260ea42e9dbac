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

    public static Task WriteAsync(HttpContext context, int status, int code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var error = new JsonRpcError
        {
            Id = default,
            Error = new JsonRpcErrorDetail { Code = code, Message = message },
        };
        return JsonSerializer.SerializeAsync(
            context.Response.Body,
            error,
            McpJsonUtilities.DefaultOptions.GetTypeInfo<JsonRpcError>(),
            context.RequestAborted);
    }
}
