using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DuckDB.NET.Native;
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
    public static ColumnReader Create(DuckDBLogicalType type, string column)
    {
        var id = NativeMethods.LogicalType.DuckDBGetTypeId(type);
        if (id == DuckDBType.Varchar && string.Equals(UndeclaredNativeMethods.LogicalTypeAlias(type), "JSON", StringComparison.OrdinalIgnoreCase))
        {
            return new StringReader(ParseJson);
        }

        return id switch
        {
            DuckDBType.Boolean => new PrimitiveReader<byte>(v => JsonValue.Create(v != 0), jsonSize: 5, static (w, v) => w.WriteBooleanValue(v != 0)),
            DuckDBType.TinyInt => new PrimitiveReader<sbyte>(v => JsonValue.Create((long)v), write: static (w, v) => w.WriteNumberValue((long)v)),
            DuckDBType.SmallInt => new PrimitiveReader<short>(v => JsonValue.Create((long)v), write: static (w, v) => w.WriteNumberValue((long)v)),
            DuckDBType.Integer => new PrimitiveReader<int>(v => JsonValue.Create((long)v), write: static (w, v) => w.WriteNumberValue((long)v)),
            DuckDBType.BigInt => new PrimitiveReader<long>(v => JsonValue.Create(v), write: static (w, v) => w.WriteNumberValue(v)),
            DuckDBType.UnsignedTinyInt => new PrimitiveReader<byte>(v => JsonValue.Create((long)v), write: static (w, v) => w.WriteNumberValue((long)v)),
            DuckDBType.UnsignedSmallInt => new PrimitiveReader<ushort>(v => JsonValue.Create((long)v), write: static (w, v) => w.WriteNumberValue((long)v)),
            DuckDBType.UnsignedInteger => new PrimitiveReader<uint>(v => JsonValue.Create((long)v), write: static (w, v) => w.WriteNumberValue((long)v)),
            DuckDBType.UnsignedBigInt => new PrimitiveReader<ulong>(v => JsonValue.Create(v), write: static (w, v) => w.WriteNumberValue(v)),
            DuckDBType.HugeInt => new PrimitiveReader<Int128>(v => JsonNumbers.Integer(v)),
            DuckDBType.UnsignedHugeInt => new PrimitiveReader<UInt128>(v => JsonNumbers.Integer(v)),
            DuckDBType.Float => new PrimitiveReader<float>(v => float.IsFinite(v) ? JsonValue.Create(v) : null, write: static (w, v) =>
            {
                if (float.IsFinite(v))
                {
                    w.WriteNumberValue(v);
                }
                else
                {
                    w.WriteNullValue();
                }
            }),
            DuckDBType.Double => new PrimitiveReader<double>(v => double.IsFinite(v) ? JsonValue.Create(v) : null, write: static (w, v) =>
            {
                if (double.IsFinite(v))
                {
                    w.WriteNumberValue(v);
                }
                else
                {
                    w.WriteNullValue();
                }
            }),
            DuckDBType.Decimal => CreateDecimal(type),
            DuckDBType.Varchar => new StringReader(b => JsonValue.Create(Encoding.UTF8.GetString(b)), isText: true),
            DuckDBType.Blob => new StringReader(b => JsonValue.Create(Convert.ToBase64String(b)), expansion: 134),
            DuckDBType.Bit => new StringReader(b => JsonValue.Create(BitText(b)), expansion: 800),
            DuckDBType.VarInt => new StringReader(b => JsonNumbers.Integer(BigNum(b)), expansion: 250),
            NewerTypeIds.Geometry => new StringReader(b => JsonValue.Create(WkbFormat.ToWkt(b))),
            DuckDBType.Uuid => new PrimitiveReader<DuckDBHugeInt>(v => JsonValue.Create(UuidText(v)), jsonSize: 38),
            DuckDBType.Enum => CreateEnum(type),
            DuckDBType.Date => new PrimitiveReader<int>(v => JsonValue.Create(TemporalFormat.Date(v)), jsonSize: 12, static (w, v) => w.WriteStringValue(TemporalFormat.Date(v))),
            DuckDBType.Time => new PrimitiveReader<long>(v => JsonValue.Create(TemporalFormat.Time(v)), jsonSize: 17),
            NewerTypeIds.TimeNs => new PrimitiveReader<long>(v => JsonValue.Create(TemporalFormat.TimeNs(v)), jsonSize: 20),
            DuckDBType.TimeTz => new PrimitiveReader<ulong>(v => JsonValue.Create(TimeTzText(v)), jsonSize: 23),
            DuckDBType.Timestamp => Timestamp(6, utc: false),
            DuckDBType.TimestampS => Timestamp(0, utc: false),
            DuckDBType.TimestampMs => Timestamp(3, utc: false),
            DuckDBType.TimestampNs => Timestamp(9, utc: false),
            DuckDBType.TimestampTz => Timestamp(6, utc: true),
            DuckDBType.Interval => new PrimitiveReader<DuckDBInterval>(v => JsonValue.Create(TemporalFormat.Interval(v.Months, v.Days, (long)v.Micros))),
            DuckDBType.List => WithChild(NativeMethods.LogicalType.DuckDBListTypeChildType(type), column, child => new ListReader(child)),
            DuckDBType.Array => WithChild(NativeMethods.LogicalType.DuckDBArrayTypeChildType(type), column,
                child => new FixedArrayReader(child, (ulong)NativeMethods.LogicalType.DuckDBArrayVectorGetSize(type))),
            DuckDBType.Struct => CreateStruct(type, column),
            DuckDBType.Map => CreateMap(type, column),
            DuckDBType.Union => CreateUnion(type, column),
            DuckDBType.SqlNull => new NullReader(),
            NewerTypeIds.Variant => throw new DuckDbException(
                $"Column '{column}' has type VARIANT, which cannot be returned as JSON yet; cast it in the SQL ({column}::JSON)"),
            _ => throw new DuckDbException($"Column '{column}' has a DuckDB type ({id}) that cannot be returned as JSON"),
        };
    }

    private static PrimitiveReader<long> Timestamp(int unitDigits, bool utc) =>
        new(v => JsonValue.Create(TemporalFormat.Timestamp(v, unitDigits, utc)), jsonSize: 28, (w, v) => w.WriteStringValue(TemporalFormat.Timestamp(v, unitDigits, utc)));

    private static ColumnReader CreateDecimal(DuckDBLogicalType type)
    {
        int scale = NativeMethods.LogicalType.DuckDBDecimalScale(type);
        return NativeMethods.LogicalType.DuckDBDecimalInternalType(type) switch
        {
            DuckDBType.SmallInt => new PrimitiveReader<short>(v => JsonNumbers.Decimal(v, scale)),
            DuckDBType.Integer => new PrimitiveReader<int>(v => JsonNumbers.Decimal(v, scale)),
            DuckDBType.BigInt => new PrimitiveReader<long>(v => JsonNumbers.Decimal(v, scale)),
            _ => new PrimitiveReader<Int128>(v => JsonNumbers.Decimal(v, scale)),
        };
    }

    private static ColumnReader CreateEnum(DuckDBLogicalType type)
    {
        var size = NativeMethods.LogicalType.DuckDBEnumDictionarySize(type);
        var values = new string[size];
        for (var i = 0; i < size; i++)
        {
            values[i] = NativeMethods.LogicalType.DuckDBEnumDictionaryValue(type, i) ?? "";
        }

        var jsonSize = 2 + (size == 0 ? 0 : (int)values.Average(v => v.Length));
        return NativeMethods.LogicalType.DuckDBEnumInternalType(type) switch
        {
            DuckDBType.UnsignedTinyInt => new PrimitiveReader<byte>(v => JsonValue.Create(values[v]), jsonSize),
            DuckDBType.UnsignedSmallInt => new PrimitiveReader<ushort>(v => JsonValue.Create(values[v]), jsonSize),
            _ => new PrimitiveReader<uint>(v => JsonValue.Create(values[v]), jsonSize),
        };
    }

    private static ColumnReader CreateStruct(DuckDBLogicalType type, string column)
    {
        var count = (int)NativeMethods.LogicalType.DuckDBStructTypeChildCount(type);
        var names = new string[count];
        var members = new ColumnReader[count];
        for (var i = 0; i < count; i++)
        {
            names[i] = NativeMethods.LogicalType.DuckDBStructTypeChildName(type, i) ?? "";
            members[i] = WithChild(NativeMethods.LogicalType.DuckDBStructTypeChildType(type, i), $"{column}.{names[i]}", c => c);
        }

        return new StructReader(names, members);
    }

    private static ColumnReader CreateMap(DuckDBLogicalType type, string column)
    {
        var key = WithChild(NativeMethods.LogicalType.DuckDBMapTypeKeyType(type), column + ".key", c => c);
        var value = WithChild(NativeMethods.LogicalType.DuckDBMapTypeValueType(type), column + ".value", c => c);
        return new MapReader(key, value);
    }

    private static ColumnReader CreateUnion(DuckDBLogicalType type, string column)
    {
        var count = (int)UndeclaredNativeMethods.UnionMemberCount(type);
        var members = new ColumnReader[count];
        for (var i = 0; i < count; i++)
        {
            var name = UndeclaredNativeMethods.UnionMemberName(type, (ulong)i) ?? "";
            members[i] = WithChild(UndeclaredNativeMethods.UnionMemberType(type, (ulong)i), $"{column}.{name}", c => c);
        }

        return new UnionReader(members);
    }

    /// <summary>Builds a reader for a child type the C API handed over (and that must be destroyed).</summary>
    private static ColumnReader WithChild(DuckDBLogicalType childType, string column, Func<ColumnReader, ColumnReader> wrap)
    {
        using (childType)
        {
            return wrap(Create(childType, column));
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
    private static string UuidText(DuckDBHugeInt value)
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
