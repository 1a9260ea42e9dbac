using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mxcp.Plugins.Python.Protocol;

/// <summary>
/// Typed values on the wire. JSON has no dates, decimals, bytes or durations, so those travel as tagged objects
/// <c>{"$mxcp": "date"|"time"|"datetime"|"decimal"|"bytes"|"timedelta", "v": text}</c> (a timedelta in microseconds);
/// a dictionary that has a <c>$mxcp</c> key of its own travels as <c>{"$mxcp": "dict", "v": {...}}</c>, and one with
/// keys of any type (a SQL MAP) as <c>{"$mxcp": "map", "v": [[key, value], ...]}</c>. Arguments and SQL function
/// arguments go to Python this way (Python receives <c>date</c>, <c>datetime</c>, <c>Decimal</c>, <c>bytes</c>,
/// <c>timedelta</c>), and <c>db.execute</c> parameters and SQL function results come back this way.
/// </summary>
internal static class WireValues
{
    public const string Tag = "$mxcp";

    /// <summary>Writes an argument value (see <c>EndpointInvocation.Arguments</c> for the types).</summary>
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
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case double d:
                WriteDouble(writer, d);
                break;
            case float f:
                WriteDouble(writer, f);
                break;
            case decimal m:
                WriteTagged(writer, "decimal", m.ToString(CultureInfo.InvariantCulture));
                break;
            case DateOnly date:
                WriteTagged(writer, "date", date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case TimeOnly time:
                WriteTagged(writer, "time", time.ToString(time.Ticks % TimeSpan.TicksPerSecond == 0 ? "HH:mm:ss" : "HH:mm:ss.ffffff", CultureInfo.InvariantCulture));
                break;
            case DateTimeOffset dto:
                WriteTagged(writer, "datetime", dto.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture));
                break;
            case DateTime dt:
                WriteTagged(writer, "datetime", dt.Kind == DateTimeKind.Utc
                    ? dt.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture)
                    : dt.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture));
                break;
            case byte[] bytes:
                WriteTagged(writer, "bytes", Convert.ToBase64String(bytes));
                break;
            case TimeSpan span:
                WriteTagged(writer, "timedelta", (span.Ticks / TimeSpan.TicksPerMicrosecond).ToString(CultureInfo.InvariantCulture));
                break;
            case Guid g:
                writer.WriteStringValue(g.ToString());
                break;
            case JsonElement element:
                WriteJson(writer, element);
                break;
            case JsonNode node:
                using (var document = JsonDocument.Parse(node.ToJsonString()))
                {
                    WriteJson(writer, document.RootElement);
                }

                break;
            case IReadOnlyDictionary<string, object?> map:
                WriteObject(writer, map.Select(kv => (kv.Key, kv.Value)), map.ContainsKey(Tag));
                break;
            case IDictionary<string, object?> map:
                WriteObject(writer, map.Select(kv => (kv.Key, kv.Value)), map.ContainsKey(Tag));
                break;
            case IReadOnlyDictionary<object, object?> map:
                // Keys of any type (a SQL MAP): a list of [key, value] pairs, since JSON object keys are only text.
                writer.WriteStartObject();
                writer.WriteString(Tag, "map");
                writer.WriteStartArray("v");
                foreach (var (key, item) in map)
                {
                    writer.WriteStartArray();
                    Write(writer, key);
                    Write(writer, item);
                    writer.WriteEndArray();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
                break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items)
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

    /// <summary>Reads a tagged value sent by the worker into the CLR values <c>ISqlDatabase</c> binds.</summary>
    public static object? Read(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.String => element.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => element.TryGetInt64(out var l) ? (object)l : (object)element.GetDouble(),
        JsonValueKind.Array => element.EnumerateArray().Select(Read).ToList(),
        _ => ReadObject(element),
    };

    /// <summary>Reads a tagged value held by a parsed message.</summary>
    public static object? Read(JsonNode? node) => node switch
    {
        null => null,
        JsonArray array => array.Select(Read).ToList(),
        JsonObject obj => ReadObject(obj),
        JsonValue value when value.TryGetValue<JsonElement>(out var element) => Read(element),
        _ => Read(ParseElement(node.ToJsonString())),
    };

    /// <summary>Reads a <c>params</c> object into parameter values by name.</summary>
    public static IReadOnlyDictionary<string, object?> ReadParameters(JsonNode? node) => node switch
    {
        null => new Dictionary<string, object?>(),
        JsonObject => (IReadOnlyDictionary<string, object?>)Read(node)!,
        _ => throw new ArgumentException("db.execute params must be a dict of $name parameters"),
    };

    private static object? ReadObject(JsonObject obj)
    {
        if (obj[Tag] is JsonValue tag && tag.TryGetValue<string>(out var name))
        {
            var text = obj["v"];
            return name switch
            {
                "dict" => text is JsonObject inner ? ReadPlainObject(inner) : throw new InvalidDataException("a tagged dict without a value"),
                _ => ReadTagged(name, text?.GetValue<string>() ?? throw new InvalidDataException($"a tagged {name} without a value")),
            };
        }

        return ReadPlainObject(obj);
    }

    private static Dictionary<string, object?> ReadPlainObject(JsonObject obj)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            result[key] = Read(value);
        }

        return result;
    }

    private static object ReadTagged(string tag, string text) => tag switch
    {
        "date" => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture),
        "time" => ParseTime(text),
        "datetime" => ParseDateTime(text),
        "decimal" => ParseDecimal(text),
        "bytes" => Convert.FromBase64String(text),
        "timedelta" => TimeSpan.FromTicks(long.Parse(text, CultureInfo.InvariantCulture) * TimeSpan.TicksPerMicrosecond),
        _ => throw new InvalidDataException($"unknown value tag '{tag}' from the Python worker"),
    };

    private static object? ReadObject(JsonElement element)
    {
        if (element.TryGetProperty(Tag, out var tag) && tag.ValueKind == JsonValueKind.String)
        {
            var v = element.TryGetProperty("v", out var raw) ? raw : default;
            var name = tag.GetString()!;
            return name == "dict"
                ? ReadPlainObject(v)
                : ReadTagged(name, v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new InvalidDataException($"a tagged {name} without a value"));
        }

        return ReadPlainObject(element);
    }

    private static Dictionary<string, object?> ReadPlainObject(JsonElement element)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            result[property.Name] = Read(property.Value);
        }

        return result;
    }

    private static JsonElement ParseElement(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static TimeOnly ParseTime(string text)
    {
        // Python's isoformat: HH:MM:SS[.ffffff][+HH:MM]; SQL TIME has no zone, so an offset is dropped.
        var end = text.IndexOfAny(['+', '-', 'Z'], 8);
        return TimeOnly.Parse(end > 0 ? text[..end] : text, CultureInfo.InvariantCulture);
    }

    private static object ParseDateTime(string text)
    {
        // Aware datetimes (with an offset) become DateTimeOffset (TIMESTAMPTZ); naive ones DateTime (TIMESTAMP).
        var timePart = text.Length > 10 ? text[10..] : "";
        var aware = timePart.Contains('+', StringComparison.Ordinal) || timePart.Contains('Z', StringComparison.Ordinal) || timePart.LastIndexOf('-') > 0;
        // (object) on both branches: DateTime converts implicitly to DateTimeOffset, which would make every value aware.
        return aware
            ? (object)DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.None)
            : (object)DateTime.SpecifyKind(DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.None), DateTimeKind.Unspecified);
    }

    private static object ParseDecimal(string text) =>
        decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var m)
            ? (object)m
            : (object)double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static void WriteDouble(Utf8JsonWriter writer, double d)
    {
        if (double.IsFinite(d))
        {
            writer.WriteNumberValue(d);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    private static void WriteTagged(Utf8JsonWriter writer, string tag, string text)
    {
        writer.WriteStartObject();
        writer.WriteString(Tag, tag);
        writer.WriteString("v", text);
        writer.WriteEndObject();
    }

    private static void WriteObject(Utf8JsonWriter writer, IEnumerable<(string Key, object? Value)> entries, bool escape)
    {
        writer.WriteStartObject();
        if (escape)
        {
            writer.WriteString(Tag, "dict");
            writer.WritePropertyName("v");
            writer.WriteStartObject();
        }

        foreach (var (key, item) in entries)
        {
            writer.WritePropertyName(key);
            Write(writer, item);
        }

        if (escape)
        {
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteJson(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(writer, element.EnumerateObject().Select(p => (p.Name, (object?)p.Value)), element.TryGetProperty(Tag, out _));
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteJson(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.Undefined:
                writer.WriteNullValue();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
