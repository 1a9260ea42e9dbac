using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mxcp.Runtime.Drift;

/// <summary>JSON equality where numbers compare by value (<c>0</c> equals <c>0.0</c>) and object key order is irrelevant.</summary>
internal static class JsonNodes
{
    public static bool DeepEquals(JsonNode? a, JsonNode? b)
    {
        switch (a, b)
        {
            case (null, null):
                return true;
            case (JsonObject x, JsonObject y):
                return x.Count == y.Count && x.All(p => y.TryGetPropertyValue(p.Key, out var other) && DeepEquals(p.Value, other));
            case (JsonArray x, JsonArray y):
                return x.Count == y.Count && x.Zip(y).All(p => DeepEquals(p.First, p.Second));
            case (JsonValue x, JsonValue y):
                var kind = x.GetValueKind();
                if (kind != y.GetValueKind())
                {
                    return false;
                }

                return kind == JsonValueKind.Number
                    ? decimal.TryParse(x.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var m)
                      && decimal.TryParse(y.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
                        ? m == n
                        : x.ToJsonString() == y.ToJsonString()
                    : JsonNode.DeepEquals(x, y);
            default:
                return false;
        }
    }
}
