using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;

namespace Mxcp.Runtime.Policies.Cel;

/// <summary>
/// Turns JSON and CLR data into CEL values, as cel-python's <c>json_to_cel</c> does: objects become maps with string
/// keys, arrays become lists, a number without fraction or exponent that fits in 64 bits becomes an <c>int</c> and
/// any other number a <c>double</c>. Dates, times, GUIDs and durations become ISO strings.
/// </summary>
/// <remarks>
/// JSON objects and arrays are wrapped, not copied: an element is converted when an expression reads it, so a
/// large response costs nothing unless a condition looks into it.
/// </remarks>
internal static class CelValueConverter
{
    /// <summary>Converts a JSON element.</summary>
    public static CelValue FromJson(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                return CelValue.Map(new JsonElementCelMap(element));
            case JsonValueKind.Array:
                return CelValue.List(new JsonElementCelList(element));
            case JsonValueKind.String:
                return CelValue.String(element.GetString()!);
            case JsonValueKind.Number:
                if (element.TryGetInt64(out var l))
                {
                    return CelValue.Int(l);
                }

                return CelValue.Double(element.TryGetDouble(out var d)
                    ? d
                    : double.Parse(element.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture));
            case JsonValueKind.True:
                return CelValue.True;
            case JsonValueKind.False:
                return CelValue.False;
            default:
                return CelValue.Null;
        }
    }

    /// <summary>Converts a JSON node (<see langword="null"/> is JSON <c>null</c>).</summary>
    public static CelValue FromJson(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return CelValue.Null;
            case JsonObject obj:
                return CelValue.Map(new JsonObjectCelMap(obj));
            case JsonArray array:
                return CelValue.List(new JsonArrayCelList(array));
            case JsonValue value:
                if (value.TryGetValue<JsonElement>(out var element))
                {
                    return FromJson(element);
                }

                return FromObject(value.GetValue<object>());
            default:
                return CelValue.Null;
        }
    }

    /// <summary>
    /// Converts a CLR value: <see langword="null"/>, strings, booleans, integers, floating-point numbers, decimals,
    /// byte arrays, dates and times, GUIDs, enums, JSON elements and nodes, dictionaries and sequences.
    /// </summary>
    /// <exception cref="ArgumentException">The value (or a part of it) has no CEL representation.</exception>
    public static CelValue FromObject(object? value)
    {
        switch (value)
        {
            case null:
                return CelValue.Null;
            case CelValue cel:
                return cel;
            case string s:
                return CelValue.String(s);
            case bool b:
                return CelValue.Bool(b);
            case long l:
                return CelValue.Int(l);
            case int i:
                return CelValue.Int(i);
            case short sh:
                return CelValue.Int(sh);
            case sbyte sb:
                return CelValue.Int(sb);
            case byte by:
                return CelValue.Int(by);
            case ushort us:
                return CelValue.Int(us);
            case uint ui:
                return CelValue.Int(ui);
            case ulong ul:
                return ul <= long.MaxValue ? CelValue.Int((long)ul) : CelValue.Uint(ul);
            case double d:
                return CelValue.Double(d);
            case float f:
                return CelValue.Double(f);
            case decimal m:
                return m == decimal.Truncate(m) && m >= long.MinValue && m <= long.MaxValue
                    ? CelValue.Int((long)m)
                    : CelValue.Double((double)m);
            case char c:
                return CelValue.String(c.ToString());
            case byte[] bytes:
                return CelValue.Bytes(bytes);
            case DateOnly date:
                return CelValue.String(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            case TimeOnly time:
                return CelValue.String(time.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));
            case DateTime dateTime:
                return CelValue.String(dateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture));
            case DateTimeOffset dateTimeOffset:
                return CelValue.String(dateTimeOffset.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture));
            case TimeSpan timeSpan:
                return CelValue.String(XmlConvert.ToString(timeSpan));
            case Guid guid:
                return CelValue.String(guid.ToString("D"));
            case Enum e:
                return CelValue.String(e.ToString());
            case JsonElement element:
                return FromJson(element);
            case JsonNode node:
                return FromJson(node);
            case IDictionary dictionary:
                return FromDictionary(dictionary);
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                return FromPairs(pairs);
            case IEnumerable sequence:
                var items = new List<CelValue>();
                foreach (var item in sequence)
                {
                    items.Add(FromObject(item));
                }

                return CelValue.List(new ArrayCelList([.. items]));
            default:
                throw new ArgumentException($"Values of type {value.GetType().Name} cannot be used in CEL expressions.", nameof(value));
        }
    }

    private static CelValue FromDictionary(IDictionary dictionary)
    {
        var keys = new CelValue[dictionary.Count];
        var values = new CelValue[dictionary.Count];
        var i = 0;
        foreach (DictionaryEntry entry in dictionary)
        {
            keys[i] = FromObject(entry.Key);
            values[i] = FromObject(entry.Value);
            i++;
        }

        return CheckMap(DictionaryCelMap.Create(keys.AsSpan(0, i), values.AsSpan(0, i)));
    }

    private static CelValue FromPairs(IEnumerable<KeyValuePair<string, object?>> pairs)
    {
        var keys = new List<CelValue>();
        var values = new List<CelValue>();
        foreach (var (key, value) in pairs)
        {
            keys.Add(CelValue.String(key));
            values.Add(FromObject(value));
        }

        return CheckMap(DictionaryCelMap.Create(keys.ToArray(), values.ToArray()));
    }

    private static CelValue CheckMap(CelValue map) =>
        map.IsError ? throw new ArgumentException($"The dictionary cannot be used in CEL expressions: {map.AsError.Message}.") : map;
}

/// <summary>A list over a JSON array element; the elements are converted once, on first use.</summary>
internal sealed class JsonElementCelList : CelList
{
    private readonly JsonElement _array;
    private CelValue[]? _items;

    public JsonElementCelList(JsonElement array)
    {
        _array = array;
    }

    /// <inheritdoc />
    public override int Count => _array.GetArrayLength();

    /// <inheritdoc />
    public override CelValue this[int index] => Items[index];

    private CelValue[] Items
    {
        get
        {
            if (_items is null)
            {
                var items = new CelValue[_array.GetArrayLength()];
                var i = 0;
                foreach (var element in _array.EnumerateArray())
                {
                    items[i++] = CelValueConverter.FromJson(element);
                }

                _items = items;
            }

            return _items;
        }
    }
}

/// <summary>A map over a JSON object element; the property index is built on first use, values on each read.</summary>
internal sealed class JsonElementCelMap : CelMap
{
    private readonly JsonElement _object;
    private Dictionary<string, JsonElement>? _properties;
    private CelValue[]? _keys;

    public JsonElementCelMap(JsonElement obj)
    {
        _object = obj;
    }

    /// <inheritdoc />
    public override int Count => Properties.Count;

    /// <inheritdoc />
    public override IReadOnlyList<CelValue> Keys
    {
        get
        {
            if (_keys is null)
            {
                var keys = new CelValue[Properties.Count];
                var i = 0;
                foreach (var name in Properties.Keys)
                {
                    keys[i++] = CelValue.String(name);
                }

                _keys = keys;
            }

            return _keys;
        }
    }

    private Dictionary<string, JsonElement> Properties
    {
        get
        {
            if (_properties is null)
            {
                var properties = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var property in _object.EnumerateObject())
                {
                    // JSON allows repeated names; the last one wins, as in System.Text.Json's own lookups.
                    properties[property.Name] = property.Value;
                }

                _properties = properties;
            }

            return _properties;
        }
    }

    /// <inheritdoc />
    public override bool TryGetString(string key, out CelValue value)
    {
        if (Properties.TryGetValue(key, out var element))
        {
            value = CelValueConverter.FromJson(element);
            return true;
        }

        value = default;
        return false;
    }

    /// <inheritdoc />
    protected override bool TryGetNonString(in CelValue key, out CelValue value)
    {
        value = default;
        return false;
    }
}

/// <summary>A list over a <see cref="JsonArray"/>; elements are converted on each read.</summary>
internal sealed class JsonArrayCelList : CelList
{
    private readonly JsonArray _array;

    public JsonArrayCelList(JsonArray array)
    {
        _array = array;
    }

    /// <inheritdoc />
    public override int Count => _array.Count;

    /// <inheritdoc />
    public override CelValue this[int index] => CelValueConverter.FromJson(_array[index]);
}

/// <summary>A map over a <see cref="JsonObject"/>; values are converted on each read.</summary>
internal sealed class JsonObjectCelMap : CelMap
{
    private readonly JsonObject _object;
    private CelValue[]? _keys;

    public JsonObjectCelMap(JsonObject obj)
    {
        _object = obj;
    }

    /// <inheritdoc />
    public override int Count => _object.Count;

    /// <inheritdoc />
    public override IReadOnlyList<CelValue> Keys
    {
        get
        {
            if (_keys is null)
            {
                var keys = new CelValue[_object.Count];
                var i = 0;
                foreach (var property in _object)
                {
                    keys[i++] = CelValue.String(property.Key);
                }

                _keys = keys;
            }

            return _keys;
        }
    }

    /// <inheritdoc />
    public override bool TryGetString(string key, out CelValue value)
    {
        if (_object.TryGetPropertyValue(key, out var node))
        {
            value = CelValueConverter.FromJson(node);
            return true;
        }

        value = default;
        return false;
    }

    /// <inheritdoc />
    protected override bool TryGetNonString(in CelValue key, out CelValue value)
    {
        value = default;
        return false;
    }
}
