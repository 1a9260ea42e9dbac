using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Execution;

/// <summary>
/// The value inside an MCP result that an executor returned as is (<see cref="EndpointDefinition.ReturnsMcpResult"/>):
/// what output policies see, and the result rebuilt around the value a policy changed. A tool's value is its
/// <c>structuredContent</c>, or else its one text block (parsed when it is JSON), or else its content list; a resource's
/// is its one text content likewise, or else its contents; a prompt's is its message list. A changed value replaces
/// everything it was read from, so a filtered or masked field cannot remain in another copy of the result.
/// </summary>
internal static class McpResultView
{
    /// <summary>The result, when it has the shape of an MCP result of its kind.</summary>
    /// <exception cref="InvalidOperationException">It has not.</exception>
    public static JsonNode Check(JsonNode? result, EndpointKind kind)
    {
        var list = ListKey(kind);
        return result is JsonObject o && (o[list] is JsonArray || (kind == EndpointKind.Tool && o.ContainsKey("structuredContent")))
            ? result
            : throw new InvalidOperationException($"the executor returned no MCP {kind.ToString().ToLowerInvariant()} result (a JSON object with a '{list}' list)");
    }

    public static JsonNode? Of(JsonNode result, EndpointKind kind)
    {
        if (kind == EndpointKind.Tool && result["structuredContent"] is { } structured)
        {
            return structured;
        }

        var items = result[ListKey(kind)] as JsonArray;
        if (kind != EndpointKind.Prompt && items is [JsonObject single] && TextOf(single) is { } text)
        {
            return Parse(text);
        }

        return items;
    }

    public static JsonNode With(JsonNode result, EndpointKind kind, JsonNode? changed)
    {
        var copy = (JsonObject)result.DeepClone();
        var list = ListKey(kind);
        if (kind == EndpointKind.Tool && copy.ContainsKey("structuredContent"))
        {
            copy["structuredContent"] = changed?.DeepClone();
            copy["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = ToText(changed) });
            return copy;
        }

        if (kind != EndpointKind.Prompt && copy[list] is JsonArray and [JsonObject single] && TextOf(single) is not null)
        {
            single["text"] = ToText(changed);
            return copy;
        }

        copy[list] = changed is JsonArray array ? array.DeepClone() : new JsonArray(new JsonObject { ["type"] = "text", ["text"] = ToText(changed) });
        return copy;
    }

    private static string ListKey(EndpointKind kind) => kind switch
    {
        EndpointKind.Tool => "content",
        EndpointKind.Resource => "contents",
        _ => "messages",
    };

    private static string? TextOf(JsonObject item) =>
        item["text"] is JsonValue v && v.GetValueKind() == JsonValueKind.String && item["blob"] is null ? v.GetValue<string>() : null;

    private static JsonNode? Parse(string text)
    {
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.Length > 0 && trimmed[0] is '{' or '[')
        {
            try
            {
                return JsonNode.Parse(text);
            }
            catch (JsonException)
            {
            }
        }

        return JsonValue.Create(text);
    }

    private static string ToText(JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : value?.ToJsonString() ?? "null";
}
