using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Mxcp.AspNetCore.Http;

/// <summary>
/// Checks a JSON-RPC request body before the SDK's handler reads it, for what the SDK would otherwise answer with
/// <c>-32603 "An error occurred."</c> and a logged stack trace: duplicate property names, a <c>params</c> that is not an
/// object, and strings with an unpaired UTF-16 surrogate escape (<c>"\ud800"</c>), which no .NET string can hold. Bodies
/// that are not JSON at all are left to the SDK, which answers 400 with <c>-32600</c>.
/// </summary>
internal static class JsonRpcBodyCheck
{
    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false, MaxDepth = 64 };
    private static readonly JsonDocumentOptions Lenient = new() { MaxDepth = 64 };
    private static readonly System.Text.Json.Serialization.Metadata.JsonTypeInfo<InitializeRequestParams> InitializeParams =
        McpJsonUtilities.DefaultOptions.GetTypeInfo<InitializeRequestParams>();

    /// <summary>What is wrong with a body: the JSON-RPC error to answer with 400.</summary>
    public sealed record Problem(int Code, string Message, RequestId Id);

    /// <returns><see langword="null"/> when the body can go to the SDK's handler.</returns>
    public static Problem? Check(ReadOnlyMemory<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, Strict);
        }
        catch (JsonException e)
        {
            // Only duplicates fail the strict parse and pass the lenient one; anything else is malformed JSON.
            return IsJson(body) ? new Problem((int)McpErrorCode.InvalidRequest, "Invalid Request: " + Describe(e), default) : null;
        }
        catch (InvalidOperationException)
        {
            return new Problem((int)McpErrorCode.InvalidRequest, "Invalid Request: a property name holds an unpaired UTF-16 surrogate", default);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var id = IdOf(root);
            if (root.TryGetProperty("params", out var parameters) && parameters.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null)
                && root.TryGetProperty("method", out _))
            {
                return new Problem((int)McpErrorCode.InvalidParams, $"Invalid params: 'params' must be an object, not {Kind(parameters.ValueKind)}", id);
            }

            if (root.TryGetProperty("method", out var method) && method.ValueKind == JsonValueKind.String && method.ValueEquals("initialize")
                && InitializeProblem(root) is { } initialize)
            {
                return new Problem((int)McpErrorCode.InvalidParams, "Invalid params: " + initialize, id);
            }

            // Raw UTF-8 cannot encode a lone surrogate; only an escape can.
            if (body.Span.IndexOf("\\u"u8) >= 0 && FindUnpairedSurrogate(root) is { } relative)
            {
                var path = "$" + relative;
                return path.StartsWith("$.params", StringComparison.Ordinal)
                    ? new Problem((int)McpErrorCode.InvalidParams, $"Invalid params: the string at {path} holds an unpaired UTF-16 surrogate", id)
                    : new Problem((int)McpErrorCode.InvalidRequest, $"Invalid Request: the string at {path} holds an unpaired UTF-16 surrogate", id);
            }

            return null;
        }
    }

    /// <summary>
    /// What is missing from an <c>initialize</c> request's params: the SDK reads them in its HTTP handler, where a
    /// failure is an unhandled exception (500).
    /// </summary>
    private static string? InitializeProblem(JsonElement root)
    {
        if (!root.TryGetProperty("params", out var parameters) || parameters.ValueKind != JsonValueKind.Object)
        {
            return "initialize needs params with protocolVersion, capabilities and clientInfo";
        }

        try
        {
            return parameters.Deserialize(InitializeParams) is null ? "initialize needs params with protocolVersion, capabilities and clientInfo" : null;
        }
        catch (JsonException e)
        {
            return "initialize params: " + e.Message;
        }
    }

    private static bool IsJson(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var _ = JsonDocument.Parse(body, Lenient);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>"duplicate property 'x'", from the parser's message.</summary>
    private static string Describe(JsonException e)
    {
        var message = e.Message;
        var start = message.IndexOf('\'', StringComparison.Ordinal);
        var end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
        return end > start ? $"duplicate property {message[start..(end + 1)]}" : "duplicate property names";
    }

    private static RequestId IdOf(JsonElement root)
    {
        if (!root.TryGetProperty("id", out var id))
        {
            return default;
        }

        return id.ValueKind switch
        {
            JsonValueKind.Number when id.TryGetInt64(out var number) => new RequestId(number),
            JsonValueKind.String when TryGetString(id, out var text) && text is not null => new RequestId(text),
            _ => default,
        };
    }

    /// <returns>The path of the first such string below <paramref name="element"/> ("" for itself), or <see langword="null"/>.</returns>
    private static string? FindUnpairedSurrogate(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return TryGetString(element, out _) ? null : "";
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (FindUnpairedSurrogate(property.Value) is { } found)
                    {
                        return "." + property.Name + found;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindUnpairedSurrogate(item) is { } found)
                    {
                        return $"[{index}]{found}";
                    }

                    index++;
                }

                return null;
            default:
                return null;
        }
    }

    private static bool TryGetString(JsonElement element, out string? text)
    {
        try
        {
            text = element.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            text = null;
            return false;
        }
    }

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };
}
