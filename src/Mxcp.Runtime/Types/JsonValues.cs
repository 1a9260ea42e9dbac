using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mxcp.Runtime.Types;

/// <summary>
/// Conversions between validated argument values (the CLR shapes documented on <c>EndpointInvocation.Arguments</c>)
/// and JSON, for audit records, policies and out-of-process executors. Dates and times become ISO 8601 strings.
/// </summary>
internal static class JsonValues
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = SchemaText.Encoder };

    /// <summary>A validated value as a JSON node (<see langword="null"/> for <c>null</c>).</summary>
    public static JsonNode? ToJsonNode(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        long l => JsonValue.Create(l),
        int i => JsonValue.Create(i),
        double d => double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(SchemaText.Number(d)),
        float f => float.IsFinite(f) ? JsonValue.Create(f) : JsonValue.Create(SchemaText.Number(f)),
        decimal m => JsonValue.Create(m),
        bool b => JsonValue.Create(b),
        DateOnly date => JsonValue.Create(FormatDate(date)),
        TimeOnly time => JsonValue.Create(FormatTime(time)),
        DateTimeOffset instant => JsonValue.Create(FormatDateTime(instant)),
        DateTime dateTime => JsonValue.Create(FormatDateTime(dateTime)),
        JsonElement element => FromElement(element),
        JsonNode node => node.DeepClone(),
        IReadOnlyDictionary<string, object?> map => ToJsonObject(map),
        IReadOnlyList<object?> list => ToJsonArray(list),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    /// <summary>Validated arguments as a JSON object, in their order.</summary>
    public static JsonObject ToJsonObject(IReadOnlyDictionary<string, object?> values)
    {
        var result = new JsonObject();
        foreach (var (key, value) in values)
        {
            result[key] = ToJsonNode(value);
        }

        return result;
    }

    /// <summary>Writes a validated value without building nodes (audit lines, worker requests).</summary>
    public static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case double d when double.IsFinite(d):
                writer.WriteNumberValue(d);
                break;
            case double d:
                writer.WriteStringValue(SchemaText.Number(d));
                break;
            case float f when float.IsFinite(f):
                writer.WriteNumberValue(f);
                break;
            case float f:
                writer.WriteStringValue(SchemaText.Number(f));
                break;
            case decimal m:
                writer.WriteNumberValue(m);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case DateOnly date:
                writer.WriteStringValue(FormatDate(date));
                break;
            case TimeOnly time:
                writer.WriteStringValue(FormatTime(time));
                break;
            case DateTimeOffset instant:
                writer.WriteStringValue(FormatDateTime(instant));
                break;
            case DateTime dateTime:
                writer.WriteStringValue(FormatDateTime(dateTime));
                break;
            case JsonElement element:
                element.WriteTo(writer);
                break;
            case JsonNode node:
                node.WriteTo(writer);
                break;
            case IReadOnlyDictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    writer.WritePropertyName(key);
                    Write(writer, item);
                }

                writer.WriteEndObject();
                break;
            case IReadOnlyList<object?> list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    /// <summary>A validated value as compact JSON text.</summary>
    public static string ToJsonString(object? value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, value);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// A JSON value as plain CLR values, without a schema: strings, <see cref="long"/> for integer literals,
    /// <see cref="double"/> for other numbers, booleans, lists and dictionaries (keys in document order).
    /// </summary>
    public static object? ToClr(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.Number:
                return element.TryGetInt64(out var l) ? (object)l : element.GetDouble();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.Array:
                var items = new object?[element.GetArrayLength()];
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    items[i++] = ToClr(item);
                }

                return items;
            case JsonValueKind.Object:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    map[property.Name] = ToClr(property.Value);
                }

                return map;
            default:
                return null;
        }
    }

    /// <summary>A JSON node as plain CLR values; see <see cref="ToClr(JsonElement)"/>.</summary>
    public static object? ToClr(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
                var map = new Dictionary<string, object?>(obj.Count, StringComparer.Ordinal);
                foreach (var (key, value) in obj)
                {
                    map[key] = ToClr(value);
                }

                return map;
            case JsonArray array:
                var items = new object?[array.Count];
                for (var i = 0; i < items.Length; i++)
                {
                    items[i] = ToClr(array[i]);
                }

                return items;
            default:
                return ToClr(AsElement((JsonValue)node));
        }
    }

    /// <summary>
    /// The JSON of a value node as an element. Nodes parsed from JSON already hold one; nodes built from CLR
    /// values (<c>JsonValue.Create(42)</c>) are written and read back, which is rare and off the hot path.
    /// </summary>
    public static JsonElement AsElement(JsonValue value)
    {
        if (value.TryGetValue(out JsonElement element))
        {
            return element;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            value.WriteTo(writer);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>A date as <c>YYYY-MM-DD</c>.</summary>
    public static string FormatDate(DateOnly value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A time as <c>HH:MM:SS</c> with a fraction only when there is one.</summary>
    public static string FormatTime(TimeOnly value) => value.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);

    /// <summary>An instant as ISO 8601 with <c>Z</c> for UTC and <c>+hh:mm</c> otherwise.</summary>
    public static string FormatDateTime(DateTimeOffset value) =>
        value.Offset == TimeSpan.Zero
            ? value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture)
            : value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);

    /// <summary>A date and time as ISO 8601: <c>Z</c> for UTC values, no offset for unspecified or local ones.</summary>
    public static string FormatDateTime(DateTime value) =>
        value.Kind == DateTimeKind.Utc
            ? value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture)
            : value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);

    private static JsonNode? FromElement(JsonElement element) => element.ValueKind switch
    {
        // Cloned: the caller's element may belong to a document that is disposed before the node is read.
        JsonValueKind.Object => JsonObject.Create(element.Clone()),
        JsonValueKind.Array => JsonArray.Create(element.Clone()),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => JsonValue.Create(element.Clone()),
    };

    private static JsonArray ToJsonArray(IReadOnlyList<object?> list)
    {
        var result = new JsonArray();
        foreach (var item in list)
        {
            result.Add(ToJsonNode(item));
        }

        return result;
    }
}
