using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mxcp.Runtime.Templates;

/// <summary>
/// Brings CLR and JSON values to the handful of types the renderer works with: <see langword="null"/>,
/// <see cref="string"/>, <see cref="bool"/>, <see cref="long"/>, <see cref="double"/>, dates and times,
/// <see cref="IReadOnlyList{T}"/> of values, <see cref="IReadOnlyDictionary{TKey,TValue}"/> with string keys and the
/// template's own value types. Containers are wrapped, not copied, and their items are converted when read.
/// </summary>
internal static class ValueNormalizer
{
    public static object? Normalize(object? value) => value switch
    {
        null or string or bool or long or double => value,
        JsonNode node => FromJsonNode(node),
        JsonElement element => FromJsonElement(element),
        IReadOnlyList<object?> or IReadOnlyDictionary<string, object?> => value,
        UndefinedValue or MarkupString or TemplateDict or LoopContext => value,
        DateOnly or TimeOnly or DateTimeOffset => value,

        // A UTC DateTime is an aware datetime in Python terms; any other kind is a naive one.
        DateTime dateTime => dateTime.Kind == DateTimeKind.Utc ? new DateTimeOffset(dateTime) : (object)DateTime.SpecifyKind(dateTime, DateTimeKind.Unspecified),
        int i => PythonOps.Box(i),
        decimal m => (double)m,
        float f => (double)f,
        short s => PythonOps.Box(s),
        byte b => PythonOps.Box(b),
        sbyte sb => PythonOps.Box(sb),
        ushort us => PythonOps.Box(us),
        uint ui => PythonOps.Box(ui),
        ulong ul => ul <= long.MaxValue ? PythonOps.Box((long)ul) : (double)ul,
        char c => c.ToString(),
        Enum e => e.ToString(),
        Guid g => g.ToString(),
        Uri u => u.ToString(),
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IEnumerable<KeyValuePair<string, object?>> pairs => CopyPairs(pairs),
        IDictionary dictionary => CopyDictionary(dictionary),
        IEnumerable sequence => CopySequence(sequence),
        _ => value,
    };

    private static object? FromJsonNode(JsonNode node) => node switch
    {
        JsonObject obj => new JsonObjectDictionary(obj),
        JsonArray array => new JsonArrayList(array),
        JsonValue scalar => FromJsonValue(scalar),
        _ => node.ToJsonString(),
    };

    private static object? FromJsonValue(JsonValue value)
    {
        if (value.TryGetValue<JsonElement>(out var element))
        {
            return FromJsonElement(element);
        }

        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                if (value.TryGetValue<string>(out var text))
                {
                    return text;
                }

                if (value.TryGetValue<DateTimeOffset>(out var dateTimeOffset))
                {
                    return dateTimeOffset;
                }

                if (value.TryGetValue<DateTime>(out var dateTime))
                {
                    return Normalize(dateTime);
                }

                if (value.TryGetValue<DateOnly>(out var date))
                {
                    return date;
                }

                if (value.TryGetValue<TimeOnly>(out var time))
                {
                    return time;
                }

                return JsonDocument.Parse(value.ToJsonString()).RootElement.GetString();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.Number:
                if (value.TryGetValue<long>(out var l))
                {
                    return PythonOps.Box(l);
                }

                if (value.TryGetValue<int>(out var i))
                {
                    return PythonOps.Box(i);
                }

                if (value.TryGetValue<double>(out var d))
                {
                    return d;
                }

                if (value.TryGetValue<decimal>(out var m))
                {
                    return (double)m;
                }

                if (value.TryGetValue<float>(out var f))
                {
                    return (double)f;
                }

                using (var document = JsonDocument.Parse(value.ToJsonString()))
                {
                    return FromJsonElement(document.RootElement.Clone());
                }

            case JsonValueKind.Null:
            case JsonValueKind.Undefined:
                return null;
            default:
                return value.ToJsonString();
        }
    }

    private static object? FromJsonElement(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => new JsonElementDictionary(element),
        JsonValueKind.Array => new JsonElementList(element),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => FromJsonNumber(element),
        _ => null,
    };

    private static object FromJsonNumber(JsonElement element)
    {
        // Python's json module makes a float of any number written with a fraction or an exponent.
        var raw = element.GetRawText();
        if (raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0 && element.TryGetInt64(out var integer))
        {
            return PythonOps.Box(integer);
        }

        return element.GetDouble();
    }

    private static TemplateDict CopyPairs(IEnumerable<KeyValuePair<string, object?>> pairs)
    {
        var dict = new TemplateDict();
        foreach (var (key, item) in pairs)
        {
            dict.Set(key, Normalize(item));
        }

        return dict;
    }

    private static TemplateDict CopyDictionary(IDictionary dictionary)
    {
        var dict = new TemplateDict();
        foreach (DictionaryEntry entry in dictionary)
        {
            dict.Set(Normalize(entry.Key), Normalize(entry.Value));
        }

        return dict;
    }

    private static object?[] CopySequence(IEnumerable sequence)
    {
        var items = new List<object?>();
        foreach (var item in sequence)
        {
            items.Add(Normalize(item));
        }

        return [.. items];
    }
}
