using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mxcp.Runtime.Yaml;

/// <summary>Converts YAML values to JSON with PyYAML's scalar resolution, so values mean what they meant in MXCP.</summary>
internal static class YamlJson
{
    public static JsonNode? ToNode(YamlNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case YamlScalar scalar:
                return ScalarToNode(scalar);
            case YamlSequence sequence:
                var array = new JsonArray();
                foreach (var item in sequence.Items)
                {
                    array.Add(ToNode(item));
                }

                return array;
            case YamlMapping mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Entries)
                {
                    obj[key.Value] = ToNode(value);
                }

                return obj;
            default:
                throw new ArgumentOutOfRangeException(nameof(node));
        }
    }

    /// <summary>An immutable JSON value, safe to share between threads (for defaults, enums, metadata).</summary>
    public static JsonElement ToElement(YamlNode? node)
    {
        var json = ToNode(node);
        return json is null ? JsonDocument.Parse("null").RootElement.Clone() : JsonSerializer.SerializeToElement(json);
    }

    /// <summary>JSON as YAML nodes (without positions): strings stay strings, other values keep their JSON text.</summary>
    public static YamlNode FromElement(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new YamlMapping(
            element.EnumerateObject().Select(p => new KeyValuePair<YamlScalar, YamlNode>(new YamlScalar(p.Name, isPlain: false, 0, 0), FromElement(p.Value))).ToList(), 0, 0),
        JsonValueKind.Array => new YamlSequence(element.EnumerateArray().Select(FromElement).ToList(), 0, 0),
        JsonValueKind.String => new YamlScalar(element.GetString()!, isPlain: false, 0, 0),
        JsonValueKind.Null or JsonValueKind.Undefined => new YamlScalar("null", isPlain: true, 0, 0),
        _ => new YamlScalar(element.GetRawText(), isPlain: true, 0, 0),
    };

    private static JsonNode? ScalarToNode(YamlScalar scalar)
    {
        switch (scalar.Kind)
        {
            case YamlScalarKind.Null:
                return null;
            case YamlScalarKind.Bool:
                return JsonValue.Create(YamlScalarResolver.ToBool(scalar.Value));
            case YamlScalarKind.Int:
                YamlScalarResolver.TryParseInt(scalar.Value, out var big);
                if (big >= long.MinValue && big <= long.MaxValue)
                {
                    return JsonValue.Create((long)big);
                }

                return JsonNode.Parse(big.ToString(CultureInfo.InvariantCulture));
            case YamlScalarKind.Float:
                var d = YamlScalarResolver.ToDouble(scalar.Value);
                return double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(scalar.Value);
            default:
                return JsonValue.Create(scalar.Value);
        }
    }
}
