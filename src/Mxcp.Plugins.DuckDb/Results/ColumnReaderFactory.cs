using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Plugins.DuckDb.Database;
using Mxcp.Plugins.DuckDb.Native;

namespace Mxcp.Plugins.DuckDb.Results;

/// <summary>
/// Builds the <see cref="ColumnReader"/> for a DuckDB logical type. The mapping (also in the package README):
/// BOOLEAN → bool; integers of every width, HUGEINT, UHUGEINT, BIGNUM and DECIMAL → exact JSON numbers; FLOAT/DOUBLE →
/// numbers, with NaN and ±Infinity → null (JSON has no such numbers); VARCHAR, ENUM → string; JSON → the parsed value;
/// BLOB → base64; UUID → canonical text; BIT → a string of 0/1; GEOMETRY → WKT; dates, times, timestamps → ISO 8601
/// text (infinite values → <c>infinity</c>/<c>-infinity</c>); INTERVAL → ISO 8601 duration; LIST/ARRAY → arrays;
/// STRUCT → objects; MAP → objects; UNION → the active member.
/// </summary>
internal static unsafe class ColumnReaderFactory
{
    /// <param name="type">A logical type the caller keeps ownership of.</param>
    /// <param name="column">The column name, for error messages.</param>
    public static ColumnReader Create(nint type, string column)
    {
        var id = NativeMethods.duckdb_get_type_id(type);
        var alias = NativeText.Owned(NativeMethods.duckdb_logical_type_get_alias(type));
        if (id == DuckDbType.Varchar && string.Equals(alias, "JSON", StringComparison.OrdinalIgnoreCase))
        {
            return new StringReader(ParseJson);
        }

        return id switch
        {
            DuckDbType.Boolean => new PrimitiveReader<byte>(v => JsonValue.Create(v != 0)),
            DuckDbType.TinyInt => new PrimitiveReader<sbyte>(v => JsonValue.Create((long)v)),
            DuckDbType.SmallInt => new PrimitiveReader<short>(v => JsonValue.Create((long)v)),
            DuckDbType.Integer => new PrimitiveReader<int>(v => JsonValue.Create((long)v)),
            DuckDbType.BigInt => new PrimitiveReader<long>(v => JsonValue.Create(v)),
            DuckDbType.UTinyInt => new PrimitiveReader<byte>(v => JsonValue.Create((long)v)),
            DuckDbType.USmallInt => new PrimitiveReader<ushort>(v => JsonValue.Create((long)v)),
            DuckDbType.UInteger => new PrimitiveReader<uint>(v => JsonValue.Create((long)v)),
            DuckDbType.UBigInt => new PrimitiveReader<ulong>(v => JsonValue.Create(v)),
            DuckDbType.HugeInt => new PrimitiveReader<Int128>(v => JsonNumbers.Integer(v)),
            DuckDbType.UHugeInt => new PrimitiveReader<UInt128>(v => JsonNumbers.Integer(v)),
            DuckDbType.Float => new PrimitiveReader<float>(v => float.IsFinite(v) ? JsonValue.Create(v) : null),
            DuckDbType.Double => new PrimitiveReader<double>(v => double.IsFinite(v) ? JsonValue.Create(v) : null),
            DuckDbType.Decimal => CreateDecimal(type),
            DuckDbType.Varchar => new StringReader(b => JsonValue.Create(Encoding.UTF8.GetString(b))),
            DuckDbType.Blob => new StringReader(b => JsonValue.Create(Convert.ToBase64String(b))),
            DuckDbType.Bit => new StringReader(b => JsonValue.Create(BitText(b))),
            DuckDbType.BigNum => new StringReader(b => JsonNumbers.Integer(BigNum(b))),
            DuckDbType.Geometry => new StringReader(b => JsonValue.Create(WkbFormat.ToWkt(b))),
            DuckDbType.Uuid => new PrimitiveReader<DuckDbHugeInt>(v => JsonValue.Create(UuidText(v))),
            DuckDbType.Enum => CreateEnum(type),
            DuckDbType.Date => new PrimitiveReader<int>(v => JsonValue.Create(TemporalFormat.Date(v))),
            DuckDbType.Time => new PrimitiveReader<long>(v => JsonValue.Create(TemporalFormat.Time(v))),
            DuckDbType.TimeNs => new PrimitiveReader<long>(v => JsonValue.Create(TemporalFormat.TimeNs(v))),
            DuckDbType.TimeTz => new PrimitiveReader<ulong>(v => JsonValue.Create(TimeTzText(v))),
            DuckDbType.Timestamp => Timestamp(6, utc: false),
            DuckDbType.TimestampS => Timestamp(0, utc: false),
            DuckDbType.TimestampMs => Timestamp(3, utc: false),
            DuckDbType.TimestampNs => Timestamp(9, utc: false),
            DuckDbType.TimestampTz => Timestamp(6, utc: true),
            DuckDbType.Interval => new PrimitiveReader<DuckDbInterval>(v => JsonValue.Create(TemporalFormat.Interval(v.Months, v.Days, v.Micros))),
            DuckDbType.List => WithChild(NativeMethods.duckdb_list_type_child_type(type), column, child => new ListReader(child)),
            DuckDbType.Array => WithChild(NativeMethods.duckdb_array_type_child_type(type), column,
                child => new FixedArrayReader(child, NativeMethods.duckdb_array_type_array_size(type))),
            DuckDbType.Struct => CreateStruct(type, column),
            DuckDbType.Map => CreateMap(type, column),
            DuckDbType.Union => CreateUnion(type, column),
            DuckDbType.SqlNull => new NullReader(),
            DuckDbType.Variant => throw new DuckDbException(
                $"Column '{column}' has type VARIANT, which cannot be returned as JSON yet; cast it in the SQL ({column}::JSON)"),
            _ => throw new DuckDbException($"Column '{column}' has a DuckDB type ({id}) that cannot be returned as JSON"),
        };
    }

    private static PrimitiveReader<long> Timestamp(int unitDigits, bool utc) =>
        new(v => JsonValue.Create(TemporalFormat.Timestamp(v, unitDigits, utc)));

    private static ColumnReader CreateDecimal(nint type)
    {
        int scale = NativeMethods.duckdb_decimal_scale(type);
        return NativeMethods.duckdb_decimal_internal_type(type) switch
        {
            DuckDbType.SmallInt => new PrimitiveReader<short>(v => JsonNumbers.Decimal(v, scale)),
            DuckDbType.Integer => new PrimitiveReader<int>(v => JsonNumbers.Decimal(v, scale)),
            DuckDbType.BigInt => new PrimitiveReader<long>(v => JsonNumbers.Decimal(v, scale)),
            _ => new PrimitiveReader<Int128>(v => JsonNumbers.Decimal(v, scale)),
        };
    }

    private static ColumnReader CreateEnum(nint type)
    {
        var size = NativeMethods.duckdb_enum_dictionary_size(type);
        var values = new string[size];
        for (var i = 0u; i < size; i++)
        {
            values[i] = NativeText.Owned(NativeMethods.duckdb_enum_dictionary_value(type, i)) ?? "";
        }

        return NativeMethods.duckdb_enum_internal_type(type) switch
        {
            DuckDbType.UTinyInt => new PrimitiveReader<byte>(v => JsonValue.Create(values[v])),
            DuckDbType.USmallInt => new PrimitiveReader<ushort>(v => JsonValue.Create(values[v])),
            _ => new PrimitiveReader<uint>(v => JsonValue.Create(values[v])),
        };
    }

    private static ColumnReader CreateStruct(nint type, string column)
    {
        var count = (int)NativeMethods.duckdb_struct_type_child_count(type);
        var names = new string[count];
        var members = new ColumnReader[count];
        for (var i = 0; i < count; i++)
        {
            names[i] = NativeText.Owned(NativeMethods.duckdb_struct_type_child_name(type, (ulong)i)) ?? "";
            members[i] = WithChild(NativeMethods.duckdb_struct_type_child_type(type, (ulong)i), $"{column}.{names[i]}", c => c);
        }

        return new StructReader(names, members);
    }

    private static ColumnReader CreateMap(nint type, string column)
    {
        var key = WithChild(NativeMethods.duckdb_map_type_key_type(type), column + ".key", c => c);
        var value = WithChild(NativeMethods.duckdb_map_type_value_type(type), column + ".value", c => c);
        return new MapReader(key, value);
    }

    private static ColumnReader CreateUnion(nint type, string column)
    {
        var count = (int)NativeMethods.duckdb_union_type_member_count(type);
        var members = new ColumnReader[count];
        for (var i = 0; i < count; i++)
        {
            var name = NativeText.Owned(NativeMethods.duckdb_union_type_member_name(type, (ulong)i)) ?? "";
            members[i] = WithChild(NativeMethods.duckdb_union_type_member_type(type, (ulong)i), $"{column}.{name}", c => c);
        }

        return new UnionReader(members);
    }

    /// <summary>Builds a reader for a child type the C API handed over (and that must be destroyed).</summary>
    private static ColumnReader WithChild(nint childType, string column, Func<ColumnReader, ColumnReader> wrap)
    {
        try
        {
            return wrap(Create(childType, column));
        }
        finally
        {
            NativeMethods.duckdb_destroy_logical_type(ref childType);
        }
    }

    private static JsonNode? ParseJson(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return JsonNode.Parse(utf8);
        }
        catch (JsonException)
        {
            // DuckDB only stores valid JSON in a JSON column; keep anything else as the text it is.
            return JsonValue.Create(Encoding.UTF8.GetString(utf8));
        }
    }

    /// <summary>BIT: the first byte counts the padding bits at the start of the second byte.</summary>
    private static string BitText(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 2)
        {
            return "";
        }

        var padding = bytes[0];
        var text = new StringBuilder((bytes.Length - 1) * 8 - padding);
        for (var i = 1; i < bytes.Length; i++)
        {
            for (var bit = i == 1 ? 7 - padding : 7; bit >= 0; bit--)
            {
                text.Append((bytes[i] & (1 << bit)) != 0 ? '1' : '0');
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// BIGNUM: a 3-byte big-endian header (top bit set for non-negative numbers, then the byte count) and the
    /// big-endian magnitude; negative numbers store every bit inverted.
    /// </summary>
    private static BigInteger BigNum(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length <= 3)
        {
            return BigInteger.Zero;
        }

        var negative = (bytes[0] & 0x80) == 0;
        var data = bytes[3..].ToArray();
        if (negative)
        {
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = (byte)~data[i];
            }
        }

        var magnitude = new BigInteger(data, isUnsigned: true, isBigEndian: true);
        return negative ? -magnitude : magnitude;
    }

    /// <summary>UUID: a HUGEINT whose top bit is flipped so that UUIDs sort as unsigned numbers.</summary>
    private static string UuidText(DuckDbHugeInt value)
    {
        var upper = (ulong)value.Upper ^ (1UL << 63);
        var hex = upper.ToString("x16", System.Globalization.CultureInfo.InvariantCulture)
            + value.Lower.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    /// <summary>TIME_TZ: 40 bits of microseconds, then 24 bits holding <c>MAX_OFFSET - offset</c> (offset in seconds).</summary>
    private static string TimeTzText(ulong bits)
    {
        const int MaxOffset = 16 * 60 * 60 - 1;
        var micros = (long)(bits >> 24);
        var offset = MaxOffset - (int)(bits & 0xFFFFFF);
        return TemporalFormat.TimeTz(micros, offset);
    }
}
