using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Mxcp.AspNetCore.Http;

/// <summary>Writes HTTP-level failures as JSON-RPC error bodies with the matching status (mcp-sdk-notes §1.9).</summary>
internal static class HttpErrors
{
    public const int GenericCode = -32000;
    public const int SessionNotFoundCode = -32001;

    public static Task WriteAsync(HttpContext context, int status, int code, string message, RequestId requestId = default, JsonElement? data = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var error = new JsonRpcError
        {
            Id = requestId,
            Error = new JsonRpcErrorDetail { Code = code, Message = message, Data = data },
        };
        return JsonSerializer.SerializeAsync(
            context.Response.Body,
            error,
            McpJsonUtilities.DefaultOptions.GetTypeInfo<JsonRpcError>(),
            context.RequestAborted);
    }

    public static Task UnsupportedVersionAsync(HttpContext context, string requested, IEnumerable<string> supported, RequestId requestId = default) =>
        WriteAsync(context, StatusCodes.Status400BadRequest, (int)McpErrorCode.UnsupportedProtocolVersion,
            $"Unsupported protocol version '{requested}'",
            requestId,
            JsonSerializer.SerializeToElement(
                new UnsupportedProtocolVersionErrorData { Supported = [.. supported], Requested = requested },
                McpJsonUtilities.DefaultOptions.GetTypeInfo<UnsupportedProtocolVersionErrorData>()));
}
