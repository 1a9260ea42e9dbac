using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Abstractions;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Execution;

namespace Mxcp.Runtime.Mcp;

/// <summary>Turns pipeline results into MCP results: tool failures are <c>isError</c> results, resource and prompt failures JSON-RPC errors.</summary>
internal static class McpResultMapper
{
    /// <param name="endpoint">The tool.</param>
    /// <param name="result">What the pipeline returned.</param>
    /// <param name="request">The call; with it, a large result is sent as JSON written here (<see cref="DeferredToolResults"/>).</param>
    /// <param name="direct">
    /// For a call the transport answers itself: a large result is written here into <see cref="DirectToolResult.Json"/>
    /// and <see cref="DirectToolResult.Taken"/> is returned.
    /// </param>
    public static CallToolResult ToToolResult(PreparedEndpoint endpoint, EndpointCallResult result, MessageContext? request = null, DirectToolResult? direct = null)
    {
        if (!result.Succeeded)
        {
            return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = result.Error ?? "The call failed" }] };
        }

        if (endpoint.Definition.ReturnsMcpResult)
        {
            return Deserialize<CallToolResult>(result.Value);
        }

        var value = result.Value;
        if (WrittenJson.TryGet(value, out var written))
        {
            if (endpoint.OutputSchema is null)
            {
                // JSON the executor wrote (a tool without a return type): it is the text content as it is.
                return (request is not null || direct is not null) && written.Length >= DeferredToolResults.ThresholdBytes
                    && DeferredToolResults.TryDefer(request, direct, written) is { } standIn
                    ? standIn
                    : new CallToolResult { Content = [new TextContentBlock { Text = Encoding.UTF8.GetString(written) }] };
            }

            var reader = new Utf8JsonReader(written);
            value = JsonNode.Parse(ref reader);
        }

        var wrap = endpoint.OutputSchema is not null && endpoint.WrapsResult;
        var structured = wrap || (endpoint.OutputSchema is not null && value is JsonObject);
        var stringValue = IsString(value) ? value!.GetValue<string>() : null;
        if (!structured && stringValue is not null)
        {
            return (request is not null || direct is not null) && stringValue.Length >= DeferredToolResults.ThresholdBytes
                && DeferredToolResults.TryDefer(request, direct, default, stringValue, default) is { } standIn
                ? standIn
                : new CallToolResult { Content = [new TextContentBlock { Text = stringValue }] };
        }

        // The value is written once: the text content is the value's part of those bytes and, for a structured
        // result, the structured content ({"result": value} when wrapped) is read back from all of them.
        var (buffer, writer) = RentWriter();
        try
        {
            if (wrap)
            {
                writer.WriteStartObject();
                writer.WritePropertyName("result");
                writer.Flush();
            }

            var start = buffer.WrittenCount;
            Write(writer, value);
            writer.Flush();
            var end = buffer.WrittenCount;
            if (wrap)
            {
                writer.WriteEndObject();
                writer.Flush();
            }

            if ((request is not null || direct is not null)
                && (stringValue?.Length ?? end - start) >= DeferredToolResults.ThresholdBytes
                && DeferredToolResults.TryDefer(
                    request,
                    direct,
                    stringValue is null ? buffer.WrittenSpan[start..end] : default,
                    stringValue,
                    structured ? buffer.WrittenSpan : default) is { } deferred)
            {
                return deferred;
            }

            var text = stringValue ?? Encoding.UTF8.GetString(buffer.WrittenSpan[start..end]);
            if (!structured)
            {
                return new CallToolResult { Content = [new TextContentBlock { Text = text }] };
            }

            var reader = new Utf8JsonReader(buffer.WrittenSpan);
            var structuredContent = JsonElement.ParseValue(ref reader);
            return new CallToolResult { Content = [new TextContentBlock { Text = text }], StructuredContent = structuredContent };
        }
        finally
        {
            ReturnWriter(buffer, writer);
        }
    }

    public static ReadResourceResult ToResourceResult(PreparedEndpoint endpoint, string uri, EndpointCallResult result)
    {
        ThrowIfFailed(result);
        if (endpoint.Definition.ReturnsMcpResult)
        {
            return Deserialize<ReadResourceResult>(result.Value);
        }

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
        if (endpoint.Definition.ReturnsMcpResult)
        {
            return Deserialize<GetPromptResult>(result.Value);
        }

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

    /// <summary>An MCP result an executor returned as JSON, as the SDK's type.</summary>
    private static T Deserialize<T>(JsonNode? value)
    {
        try
        {
            return value.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<T>())
                ?? throw new JsonException("the result is null");
        }
        catch (JsonException e)
        {
            throw new McpProtocolException($"The endpoint returned a malformed {typeof(T).Name}: {e.Message}", McpErrorCode.InternalError);
        }
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
    public static string ToText(JsonNode? value)
    {
        if (IsString(value))
        {
            return value!.GetValue<string>();
        }

        if (value is null)
        {
            return "null";
        }

        var (buffer, writer) = RentWriter();
        try
        {
            value.WriteTo(writer);
            writer.Flush();
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        finally
        {
            ReturnWriter(buffer, writer);
        }
    }

    private static bool IsString(JsonNode? value) => value is JsonValue v && v.GetValueKind() == JsonValueKind.String;

    private static void Write(Utf8JsonWriter writer, JsonNode? value)
    {
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            value.WriteTo(writer);
        }
    }

    /// <summary>
    /// This thread's buffer and writer, emptied. Buffers that grew past <see cref="KeptBufferBytes"/> (a large result)
    /// are dropped when given back rather than kept for the thread's lifetime.
    /// </summary>
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer) RentWriter()
    {
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(4096);
        var writer = t_writer ?? new Utf8JsonWriter(buffer);
        t_buffer = null;
        t_writer = null;
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        return (buffer, writer);
    }

    private static void ReturnWriter(ArrayBufferWriter<byte> buffer, Utf8JsonWriter writer)
    {
        if (buffer.Capacity > KeptBufferBytes)
        {
            writer.Dispose();
            return;
        }

        t_buffer = buffer;
        t_writer = writer;
    }

    private const int KeptBufferBytes = 256 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

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
