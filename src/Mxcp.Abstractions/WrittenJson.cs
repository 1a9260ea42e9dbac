using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Mxcp.Abstractions;

/// <summary>
/// JSON an executor wrote itself, carried where a <see cref="JsonNode"/> is expected: the node writes the bytes as
/// they are (<see cref="JsonNode.WriteTo"/>) and is not meant to be navigated. Returned for a
/// <see cref="EndpointInvocation.WriteOnly"/> call, it spares a large result one node per value.
/// </summary>
public static class WrittenJson
{
    private static readonly JsonTypeInfo<Holder> TypeInfo =
        JsonMetadataServices.CreateValueInfo<Holder>(JsonSerializerOptions.Default, new HolderConverter());

    /// <summary>A node that writes <paramref name="utf8Json"/>, which must be one complete, valid JSON value.</summary>
    /// <param name="utf8Json">The JSON, as UTF-8; it is not copied, so it must not change afterwards.</param>
    public static JsonNode Create(ReadOnlySequence<byte> utf8Json)
    {
        if (utf8Json.IsEmpty)
        {
            throw new ArgumentException("The written JSON is empty.", nameof(utf8Json));
        }

        return JsonValue.Create(new Holder(utf8Json), TypeInfo)!;
    }

    /// <summary>The bytes of a node made by <see cref="Create"/>.</summary>
    /// <param name="node">Any node.</param>
    /// <param name="utf8Json">The JSON, when <paramref name="node"/> was made by <see cref="Create"/>.</param>
    public static bool TryGet(JsonNode? node, out ReadOnlySequence<byte> utf8Json)
    {
        if (node is JsonValue value && value.TryGetValue<Holder>(out var holder))
        {
            utf8Json = holder.Json;
            return true;
        }

        utf8Json = default;
        return false;
    }

    [JsonConverter(typeof(HolderConverter))]
    private sealed class Holder(ReadOnlySequence<byte> json)
    {
        public ReadOnlySequence<byte> Json { get; } = json;
    }

    private sealed class HolderConverter : JsonConverter<Holder>
    {
        public override Holder Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("Written JSON is only ever written.");

        public override void Write(Utf8JsonWriter writer, Holder value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value.Json, skipInputValidation: true);
    }
}
