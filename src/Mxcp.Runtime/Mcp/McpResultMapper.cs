using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Execution;

namespace Mxcp.Runtime.Mcp;

/// <summary>Turns pipeline results into MCP results: tool failures are <c>isError</c> results, resource and prompt failures JSON-RPC errors.</summary>
internal static class McpResultMapper
{
    public static CallToolResult ToToolResult(PreparedEndpoint endpoint, EndpointCallResult result)
    {
        if (!result.Succeeded)
        {
            return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = result.Error ?? "The call failed" }] };
        }

        var value = result.Value;
        JsonElement? structured = null;
        if (endpoint.OutputSchema is not null)
        {
            if (endpoint.WrapsResult)
            {
                structured = JsonSerializer.SerializeToElement(new JsonObject { ["result"] = value?.DeepClone() });
            }
            else if (value is JsonObject)
            {
                structured = JsonSerializer.SerializeToElement(value);
            }
        }

        return new CallToolResult { Content = [new TextContentBlock { Text = ToText(value) }], StructuredContent = structured };
    }

    public static ReadResourceResult ToResourceResult(PreparedEndpoint endpoint, string uri, EndpointCallResult result)
    {
        ThrowIfFailed(result);
        var value = result.Value;
        var isText = value is JsonValue v && v.GetValueKind() == JsonValueKind.String;
        var mimeType = endpoint.Definition.MimeType;
        if (isText && mimeType is not null && !IsTextual(mimeType) && TryDecodeBase64(value!.GetValue<string>()) is { } bytes)
        {
            // A BLOB column (base64 in JSON) served with a binary MIME type is a binary resource.
            return new ReadResourceResult { Contents = [BlobResourceContents.FromBytes(bytes, uri, mimeType)] };
        }

        return new ReadResourceResult
        {
            Contents =
            [
                new TextResourceContents
                {
                    Uri = uri,
                    MimeType = endpoint.Definition.MimeType ?? (isText ? "text/plain" : "application/json"),
                    Text = ToText(value),
                },
            ],
        };
    }

    public static GetPromptResult ToPromptResult(PreparedEndpoint endpoint, EndpointCallResult result)
    {
        ThrowIfFailed(result);
        return new GetPromptResult
        {
            Description = endpoint.Definition.Description,
            Messages = result.Messages!
                .Select(m => new PromptMessage
                {
                    // MCP has no system role: system messages are sent as user messages (mxcp lint flags them).
                    Role = m.Role == "assistant" ? Role.Assistant : Role.User,
                    Content = new TextContentBlock { Text = m.Text },
                })
                .ToList(),
        };
    }

    private static bool IsTextual(string mimeType)
    {
        var type = mimeType.Split(';')[0].Trim().ToLowerInvariant();
        return type.StartsWith("text/", StringComparison.Ordinal) || type is "application/json" or "application/xml" or "application/yaml"
            or "application/javascript" or "application/sql" || type.EndsWith("+json", StringComparison.Ordinal) || type.EndsWith("+xml", StringComparison.Ordinal);
    }

    private static byte[]? TryDecodeBase64(string text)
    {
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
    }

    /// <summary>Strings as themselves, everything else as JSON.</summary>
    public static string ToText(JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value?.ToJsonString() ?? "null";

    private static void ThrowIfFailed(EndpointCallResult result)
    {
        if (result.Succeeded)
        {
            return;
        }

        var code = result.ErrorKind == EndpointErrorKind.InvalidArguments ? McpErrorCode.InvalidParams : McpErrorCode.InternalError;
        throw new McpProtocolException(result.Error ?? "The call failed", code);
    }
}
