using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Plugins.DuckDb.Database;
using Mxcp.Plugins.DuckDb.Native;

namespace Mxcp.Plugins.DuckDb.Parameters;

/// <summary>
/// Turns the CLR values of <c>EndpointInvocation.Arguments</c> into DuckDB values (<c>duckdb_create_*</c>):
/// null; string → VARCHAR; long/int (and the other integers) → BIGINT; double/float → DOUBLE; decimal → DECIMAL;
/// bool → BOOLEAN; DateOnly → DATE; TimeOnly → TIME; DateTimeOffset → TIMESTAMP WITH TIME ZONE; DateTime → TIMESTAMP
/// (its wall-clock value); byte[] → BLOB; lists → LIST of one inferred element type (empty: VARCHAR[]); string-keyed
/// dictionaries → STRUCT. <see cref="JsonElement"/> and <see cref="JsonNode"/> values are accepted too.
/// </summary>
internal static unsafe class ParameterValues
{
    private static readonly long UnixEpochTicks = DateTime.UnixEpoch.Ticks;
    private static readonly int UnixEpochDayNumber = new DateOnly(1970, 1, 1).DayNumber;

    /// <summary>Creates the DuckDB value of a (non-null) parameter value.</summary>
    public static ValueHandle Create(string name, object value)
    {
        var normalized = Normalize(name, value);
        var shape = Infer(normalized);
        var handle = CreateValue(normalized, shape, name, nested: false);
        return new ValueHandle(handle);
    }

    /// <summary>Maps JSON and the many CLR number/collection types onto the few the binder knows.</summary>
    internal static object? Normalize(string name, object? value) => value switch
    {
        null => null,
        string or bool or long or double or decimal or DateOnly or TimeOnly or DateTime or DateTimeOffset or byte[] => value,
        int i => (long)i,
        short s => (long)s,
        sbyte sb => (long)sb,
        byte b => (long)b,
        ushort us => (long)us,
        uint ui => (long)ui,
        ulong ul => ul <= long.MaxValue ? (long)ul : ul,
        float f => (double)f,
        Half h => (double)h,
        char ch => ch.ToString(),
        Guid g => g.ToString(),
        Enum e => e.ToString(),
        JsonElement element => FromJson(name, element),
        JsonNode node => FromJson(name, ParseElement(node.ToJsonString())),
        IReadOnlyDictionary<string, object?> dictionary => dictionary.ToDictionary(kv => kv.Key, kv => Normalize(name, kv.Value), StringComparer.Ordinal),
        IDictionary<string, object?> dictionary => dictionary.ToDictionary(kv => kv.Key, kv => Normalize(name, kv.Value), StringComparer.Ordinal),
        IEnumerable items => items.Cast<object?>().Select(item => Normalize(name, item)).ToList(),
        _ => throw new DuckDbException(
            $"Parameter '{name}' has a value of type {value.GetType().Name}, which cannot be bound to SQL"),
    };

    private static JsonElement ParseElement(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static object? FromJson(string name, JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.String => element.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => element.TryGetInt64(out var l) ? l : (object)element.GetDouble(),
        JsonValueKind.Array => element.EnumerateArray().Select(e => FromJson(name, e)).ToList(),
        _ => element.EnumerateObject().ToDictionary(p => p.Name, p => FromJson(name, p.Value), StringComparer.Ordinal),
    };

    internal static ParameterShape Infer(object? value) => value switch
    {
        null => ParameterShape.Null,
        bool => new(ShapeKind.Boolean),
        long => new(ShapeKind.BigInt),
        ulong => new(ShapeKind.UBigInt),
        double => new(ShapeKind.Double),
        decimal d => new(ShapeKind.Decimal, Scale: d.Scale),
        string => ParameterShape.Varchar,
        byte[] => new(ShapeKind.Blob),
        DateOnly => new(ShapeKind.Date),
        TimeOnly => new(ShapeKind.Time),
        DateTime => new(ShapeKind.Timestamp),
        DateTimeOffset => new(ShapeKind.TimestampTz),
        // DuckDB has no empty STRUCT type: an empty object is bound as its JSON text, '{}'.
        Dictionary<string, object?> { Count: 0 } => ParameterShape.Varchar,
        Dictionary<string, object?> fields => new(ShapeKind.Struct,
            Fields: fields.Select(kv => new KeyValuePair<string, ParameterShape>(kv.Key, Infer(kv.Value))).ToList()),
        List<object?> items => new(ShapeKind.List, items.Select(Infer).Aggregate(ParameterShape.Null, ParameterShape.Unify)),
        _ => ParameterShape.Varchar,
    };

    private static nint CreateValue(object? value, ParameterShape shape, string name, bool nested)
    {
        if (value is null)
        {
            return NativeMethods.duckdb_create_null_value();
        }

        var handle = shape.Kind switch
        {
            ShapeKind.Boolean => NativeMethods.duckdb_create_bool((bool)value ? (byte)1 : (byte)0),
            ShapeKind.BigInt => NativeMethods.duckdb_create_int64((long)value),
            ShapeKind.UBigInt => NativeMethods.duckdb_create_uint64((ulong)value),
            ShapeKind.Double => NativeMethods.duckdb_create_double(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
            ShapeKind.Decimal => CreateDecimal(value, shape, name, nested),
            ShapeKind.Varchar => CreateVarchar(value as string ?? ToText(value)),
            ShapeKind.Blob => CreateBlob((byte[])value),
            ShapeKind.Date => NativeMethods.duckdb_create_date(((DateOnly)value).DayNumber - UnixEpochDayNumber),
            ShapeKind.Time => NativeMethods.duckdb_create_time(((TimeOnly)value).Ticks / TimeSpan.TicksPerMicrosecond),
            ShapeKind.Timestamp => NativeMethods.duckdb_create_timestamp((((DateTime)value).Ticks - UnixEpochTicks) / TimeSpan.TicksPerMicrosecond),
            ShapeKind.TimestampTz => NativeMethods.duckdb_create_timestamp_tz((((DateTimeOffset)value).UtcTicks - UnixEpochTicks) / TimeSpan.TicksPerMicrosecond),
            ShapeKind.List => CreateList((List<object?>)value, shape, name),
            ShapeKind.Struct => CreateStruct((Dictionary<string, object?>)value, shape, name),
            _ => NativeMethods.duckdb_create_null_value(),
        };

        return handle != 0 ? handle : throw new DuckDbException($"Parameter '{name}' could not be converted to a DuckDB {shape.Kind} value");
    }

    private static nint CreateList(List<object?> items, ParameterShape shape, string name)
    {
        var element = shape.Element!.Kind == ShapeKind.Null ? ParameterShape.Varchar : shape.Element;
        var values = new nint[items.Count];
        var type = CreateType(element);
        try
        {
            for (var i = 0; i < items.Count; i++)
            {
                values[i] = CreateValue(items[i], element, name, nested: true);
            }

            fixed (nint* first = values)
            {
                // A non-null pointer even for an empty list: the C API rejects a null array.
                nint none = 0;
                return NativeMethods.duckdb_create_list_value(type, values.Length == 0 ? &none : first, (ulong)values.Length);
            }
        }
        finally
        {
            DestroyValues(values);
            NativeMethods.duckdb_destroy_logical_type(ref type);
        }
    }

    private static nint CreateStruct(Dictionary<string, object?> fields, ParameterShape shape, string name)
    {
        var type = CreateType(shape);
        var values = new nint[shape.Fields!.Count];
        try
        {
            for (var i = 0; i < values.Length; i++)
            {
                var (fieldName, fieldShape) = shape.Fields[i];
                values[i] = CreateValue(fields.GetValueOrDefault(fieldName), fieldShape.Kind == ShapeKind.Null ? ParameterShape.Varchar : fieldShape, name, nested: true);
            }

            fixed (nint* first = values)
            {
                nint none = 0;
                return NativeMethods.duckdb_create_struct_value(type, values.Length == 0 ? &none : first);
            }
        }
        finally
        {
            DestroyValues(values);
            NativeMethods.duckdb_destroy_logical_type(ref type);
        }
    }

    private static nint CreateDecimal(object value, ParameterShape shape, string name, bool nested)
    {
        var number = value switch
        {
            decimal d => d,
            long l => l,
            ulong ul => ul,
            _ => Convert.ToDecimal(value, CultureInfo.InvariantCulture),
        };

        Span<int> bits = stackalloc int[4];
        decimal.GetBits(number, bits);
        var unscaled = ((Int128)(uint)bits[2] << 64) | ((Int128)(uint)bits[1] << 32) | (uint)bits[0];
        var scale = (bits[3] >> 16) & 0xFF;
        for (; scale < shape.Scale; scale++)
        {
            unscaled *= 10;
        }

        if (bits[3] < 0)
        {
            unscaled = -unscaled;
        }

        var digits = Int128.Abs(unscaled).ToString(CultureInfo.InvariantCulture).Length;
        var width = Math.Max(digits, scale + 1);
        if (width > 38)
        {
            throw new DuckDbException($"Parameter '{name}' has a decimal value with more than 38 digits");
        }

        // Inside a list or struct the value has the type created for it by CreateType: DECIMAL(38, scale).
        var decimalValue = new DuckDbDecimal
        {
            Width = (byte)(nested ? 38 : width),
            Scale = (byte)scale,
            Value = new DuckDbHugeInt { Lower = (ulong)(unscaled & ulong.MaxValue), Upper = (long)(unscaled >> 64) },
        };
        return NativeMethods.duckdb_create_decimal(decimalValue);
    }

    private static nint CreateVarchar(string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            Encoding.UTF8.GetBytes(text, buffer);
            fixed (byte* bytes = buffer)
            {
                return NativeMethods.duckdb_create_varchar_length(bytes, (ulong)length);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static nint CreateBlob(byte[] data)
    {
        fixed (byte* bytes = data.Length == 0 ? [0] : data)
        {
            return NativeMethods.duckdb_create_blob(bytes, (ulong)data.Length);
        }
    }

    private static nint CreateType(ParameterShape shape)
    {
        switch (shape.Kind)
        {
            case ShapeKind.List:
                var element = CreateType(shape.Element!.Kind == ShapeKind.Null ? ParameterShape.Varchar : shape.Element);
                try
                {
                    return NativeMethods.duckdb_create_list_type(element);
                }
                finally
                {
                    NativeMethods.duckdb_destroy_logical_type(ref element);
                }

            case ShapeKind.Struct:
                var count = shape.Fields!.Count;
                var types = new nint[count];
                var names = new nint[count];
                try
                {
                    for (var i = 0; i < count; i++)
                    {
                        var field = shape.Fields[i];
                        types[i] = CreateType(field.Value.Kind == ShapeKind.Null ? ParameterShape.Varchar : field.Value);
                        names[i] = System.Runtime.InteropServices.Marshal.StringToCoTaskMemUTF8(field.Key);
                    }

                    fixed (nint* t = types)
                    fixed (nint* n = names)
                    {
                        return NativeMethods.duckdb_create_struct_type(t, (byte**)n, (ulong)count);
                    }
                }
                finally
                {
                    for (var i = 0; i < count; i++)
                    {
                        NativeMethods.duckdb_destroy_logical_type(ref types[i]);
                        System.Runtime.InteropServices.Marshal.FreeCoTaskMem(names[i]);
                    }
                }

            case ShapeKind.Decimal:
                return NativeMethods.duckdb_create_decimal_type(38, (byte)shape.Scale);
            default:
                return NativeMethods.duckdb_create_logical_type(shape.Kind switch
                {
                    ShapeKind.Boolean => DuckDbType.Boolean,
                    ShapeKind.BigInt => DuckDbType.BigInt,
                    ShapeKind.UBigInt => DuckDbType.UBigInt,
                    ShapeKind.Double => DuckDbType.Double,
                    ShapeKind.Blob => DuckDbType.Blob,
                    ShapeKind.Date => DuckDbType.Date,
                    ShapeKind.Time => DuckDbType.Time,
                    ShapeKind.Timestamp => DuckDbType.Timestamp,
                    ShapeKind.TimestampTz => DuckDbType.TimestampTz,
                    _ => DuckDbType.Varchar,
                });
        }
    }

    private static void DestroyValues(nint[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] != 0)
            {
                NativeMethods.duckdb_destroy_value(ref values[i]);
            }
        }
    }

    /// <summary>The text of a value that joins a VARCHAR list (mixed item types): ISO dates, invariant numbers, JSON for nested values.</summary>
    private static string ToText(object value) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly t => t.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture).TrimEnd('.'),
        DateTime dt => dt.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture).TrimEnd('.'),
        DateTimeOffset dto => dto.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture),
        byte[] bytes => Convert.ToBase64String(bytes),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => ToJson(value),
    };

    private static string ToJson(object? value) => ToJsonNode(value)?.ToJsonString() ?? "null";

    private static JsonNode? ToJsonNode(object? value) => value switch
    {
        null => null,
        bool b => JsonValue.Create(b),
        long l => JsonValue.Create(l),
        ulong ul => JsonValue.Create(ul),
        double d => JsonValue.Create(d),
        decimal m => JsonValue.Create(m),
        List<object?> items => new JsonArray(items.Select(ToJsonNode).ToArray()),
        Dictionary<string, object?> fields => new JsonObject(fields.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, ToJsonNode(kv.Value)))),
        _ => JsonValue.Create(ToText(value)),
    };
}
