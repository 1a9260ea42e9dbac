using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DuckDB.NET.Native;
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
    public static DuckDBValue Create(string name, object value)
    {
        var normalized = Normalize(name, value);
        return CreateValue(normalized, Infer(normalized), name, nested: false);
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

    private static DuckDBValue CreateValue(object? value, ParameterShape shape, string name, bool nested)
    {
        if (value is null)
        {
            return NativeMethods.Value.DuckDBCreateNullValue();
        }

        var handle = shape.Kind switch
        {
            ShapeKind.Boolean => NativeMethods.Value.DuckDBCreateBool((bool)value),
            ShapeKind.BigInt => NativeMethods.Value.DuckDBCreateInt64((long)value),
            ShapeKind.UBigInt => NativeMethods.Value.DuckDBCreateUInt64((ulong)value),
            ShapeKind.Double => NativeMethods.Value.DuckDBCreateDouble(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
            ShapeKind.Decimal => CreateDecimal(value, shape, name, nested),
            ShapeKind.Varchar => CreateVarchar(value as string ?? ToText(value)),
            ShapeKind.Blob => NativeMethods.Value.DuckDBCreateBlob((byte[])value, ((byte[])value).Length),
            ShapeKind.Date => NativeMethods.Value.DuckDBCreateDate(new DuckDBDate { Days = ((DateOnly)value).DayNumber - UnixEpochDayNumber }),
            ShapeKind.Time => NativeMethods.Value.DuckDBCreateTime(new DuckDBTime { Micros = ((TimeOnly)value).Ticks / TimeSpan.TicksPerMicrosecond }),
            ShapeKind.Timestamp => NativeMethods.Value.DuckDBCreateTimestamp(
                new DuckDBTimestampStruct { Micros = (((DateTime)value).Ticks - UnixEpochTicks) / TimeSpan.TicksPerMicrosecond }),
            ShapeKind.TimestampTz => NativeMethods.Value.DuckDBCreateTimestampTz(
                new DuckDBTimestampStruct { Micros = (((DateTimeOffset)value).UtcTicks - UnixEpochTicks) / TimeSpan.TicksPerMicrosecond }),
            ShapeKind.List => CreateList((List<object?>)value, shape, name),
            ShapeKind.Struct => CreateStruct((Dictionary<string, object?>)value, shape, name),
            _ => NativeMethods.Value.DuckDBCreateNullValue(),
        };

        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw new DuckDbException($"Parameter '{name}' could not be converted to a DuckDB {shape.Kind} value");
        }

        return handle;
    }

    private static DuckDBValue CreateList(List<object?> items, ParameterShape shape, string name)
    {
        var element = shape.Element!.Kind == ShapeKind.Null ? ParameterShape.Varchar : shape.Element;
        var values = new DuckDBValue?[items.Count];
        using var type = CreateType(element);
        try
        {
            var pointers = new nint[items.Count];
            for (var i = 0; i < items.Count; i++)
            {
                values[i] = CreateValue(items[i], element, name, nested: true);
                pointers[i] = values[i]!.DangerousGetHandle();
            }

            // The list copies its items; they are destroyed below.
            return NativeMethods.Value.DuckDBCreateListValue(type, pointers, pointers.Length);
        }
        finally
        {
            DisposeAll(values);
        }
    }

    private static DuckDBValue CreateStruct(Dictionary<string, object?> fields, ParameterShape shape, string name)
    {
        using var type = CreateType(shape);
        var values = new DuckDBValue?[shape.Fields!.Count];
        try
        {
            var pointers = new nint[values.Length];
            for (var i = 0; i < values.Length; i++)
            {
                var (fieldName, fieldShape) = shape.Fields[i];
                values[i] = CreateValue(fields.GetValueOrDefault(fieldName), fieldShape.Kind == ShapeKind.Null ? ParameterShape.Varchar : fieldShape, name, nested: true);
                pointers[i] = values[i]!.DangerousGetHandle();
            }

            fixed (nint* first = pointers)
            {
                // A non-null pointer even for an empty struct: the C API rejects a null array.
                nint none = 0;
                return UndeclaredNativeMethods.CreateStructValue(type, pointers.Length == 0 ? &none : first);
            }
        }
        finally
        {
            DisposeAll(values);
        }
    }

    private static DuckDBValue CreateDecimal(object value, ParameterShape shape, string name, bool nested)
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
        return NativeMethods.Value.DuckDBCreateDecimal(new DuckDBDecimal(
            (byte)(nested ? 38 : width),
            (byte)scale,
            new DuckDBHugeInt((ulong)(unscaled & ulong.MaxValue), (long)(unscaled >> 64))));
    }

    private static DuckDBValue CreateVarchar(string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            Encoding.UTF8.GetBytes(text, buffer);
            fixed (byte* bytes = buffer)
            {
                return UndeclaredNativeMethods.CreateVarcharLength(bytes, (ulong)length);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static DuckDBLogicalType CreateType(ParameterShape shape)
    {
        switch (shape.Kind)
        {
            case ShapeKind.List:
                using (var element = CreateType(shape.Element!.Kind == ShapeKind.Null ? ParameterShape.Varchar : shape.Element))
                {
                    return NativeMethods.LogicalType.DuckDBCreateListType(element);
                }

            case ShapeKind.Struct:
                var count = shape.Fields!.Count;
                var types = new DuckDBLogicalType?[count];
                var typePointers = new nint[count];
                var names = new nint[count];
                try
                {
                    for (var i = 0; i < count; i++)
                    {
                        var field = shape.Fields[i];
                        types[i] = CreateType(field.Value.Kind == ShapeKind.Null ? ParameterShape.Varchar : field.Value);
                        typePointers[i] = types[i]!.DangerousGetHandle();
                        names[i] = Marshal.StringToCoTaskMemUTF8(field.Key);
                    }

                    fixed (nint* t = typePointers)
                    fixed (nint* n = names)
                    {
                        return UndeclaredNativeMethods.CreateStructType(t, (byte**)n, (ulong)count);
                    }
                }
                finally
                {
                    DisposeAll(types);
                    foreach (var text in names)
                    {
                        Marshal.FreeCoTaskMem(text);
                    }
                }

            case ShapeKind.Decimal:
                return NativeMethods.LogicalType.DuckDBCreateDecimalType(38, (byte)shape.Scale);
            default:
                return NativeMethods.LogicalType.DuckDBCreateLogicalType(shape.Kind switch
                {
                    ShapeKind.Boolean => DuckDBType.Boolean,
                    ShapeKind.BigInt => DuckDBType.BigInt,
                    ShapeKind.UBigInt => DuckDBType.UnsignedBigInt,
                    ShapeKind.Double => DuckDBType.Double,
                    ShapeKind.Blob => DuckDBType.Blob,
                    ShapeKind.Date => DuckDBType.Date,
                    ShapeKind.Time => DuckDBType.Time,
                    ShapeKind.Timestamp => DuckDBType.Timestamp,
                    ShapeKind.TimestampTz => DuckDBType.TimestampTz,
                    _ => DuckDBType.Varchar,
                });
        }
    }

    private static void DisposeAll(SafeHandle?[] handles)
    {
        foreach (var handle in handles)
        {
            handle?.Dispose();
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
