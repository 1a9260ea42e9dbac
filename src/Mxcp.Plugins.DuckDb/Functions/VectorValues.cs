using System.Collections;
using System.Globalization;
using System.Text;
using DuckDB.NET.Native;
using Mxcp.Plugins.DuckDb.Results;

namespace Mxcp.Plugins.DuckDb.Functions;

/// <summary>
/// Reads the arguments of a plugin's SQL function from DuckDB vectors into CLR values, and writes its results into the
/// output vector, by <see cref="SqlValueType"/>. The CLR values are those <c>SqlFunctionCall</c> documents: bool; long
/// (ulong for UBIGINT); double; decimal; string; byte[]; DateOnly; TimeOnly; DateTime (TIMESTAMP); DateTimeOffset
/// (TIMESTAMPTZ, UTC); TimeSpan (INTERVAL, a month as 30 days); lists; string-keyed dictionaries (STRUCT); dictionaries
/// of key to value (MAP).
/// </summary>
internal static unsafe class VectorValues
{
    private const long MicrosPerDay = 86_400_000_000L;
    private static readonly int UnixEpochDayNumber = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
    private static readonly long UnixEpochTicks = DateTime.UnixEpoch.Ticks;

    /// <summary>The values of rows <paramref name="offset"/> to <paramref name="offset"/> + <paramref name="count"/> of a vector.</summary>
    public static object?[] Read(nint vector, SqlValueType type, ulong offset, ulong count)
    {
        var values = new object?[count];
        var validity = NativeMethods.Vectors.DuckDBVectorGetValidity(vector);
        var data = NativeMethods.Vectors.DuckDBVectorGetData(vector);
        object?[][]? fields = null;
        if (type.Id == DuckDBType.Struct)
        {
            fields = new object?[type.Fields.Count][];
            for (var f = 0; f < fields.Length; f++)
            {
                fields[f] = Read(NativeMethods.Vectors.DuckDBStructVectorGetChild(vector, f), type.Fields[f], offset, count);
            }
        }

        for (var i = 0UL; i < count; i++)
        {
            var row = offset + i;
            if (validity != null && (validity[row >> 6] & (1UL << (int)(row & 63))) == 0)
            {
                continue;
            }

            values[i] = type.Id switch
            {
                DuckDBType.Boolean => ((byte*)data)[row] != 0,
                DuckDBType.TinyInt => (long)((sbyte*)data)[row],
                DuckDBType.SmallInt => (long)((short*)data)[row],
                DuckDBType.Integer => (long)((int*)data)[row],
                DuckDBType.BigInt => ((long*)data)[row],
                DuckDBType.UnsignedTinyInt => (long)((byte*)data)[row],
                DuckDBType.UnsignedSmallInt => (long)((ushort*)data)[row],
                DuckDBType.UnsignedInteger => (long)((uint*)data)[row],
                DuckDBType.UnsignedBigInt => ((ulong*)data)[row],
                DuckDBType.Float => (double)((float*)data)[row],
                DuckDBType.Double => ((double*)data)[row],
                DuckDBType.Decimal => ReadDecimal(data, type, row),
                DuckDBType.Varchar => Encoding.UTF8.GetString(VectorText.Bytes((DuckDBString*)data + row)),
                DuckDBType.Blob => VectorText.Bytes((DuckDBString*)data + row).ToArray(),
                DuckDBType.Date => ReadDate(((int*)data)[row], type),
                DuckDBType.Time => new TimeOnly(((long*)data)[row] * TimeSpan.TicksPerMicrosecond),
                DuckDBType.Timestamp => ReadTimestamp(((long*)data)[row], type),
                DuckDBType.TimestampTz => new DateTimeOffset(ReadTimestamp(((long*)data)[row], type).Ticks, TimeSpan.Zero),
                DuckDBType.Interval => ReadInterval(((DuckDBInterval*)data)[row]),
                DuckDBType.List => ReadList(vector, ((DuckDBListEntry*)data)[row], type),
                DuckDBType.Map => ReadMap(vector, ((DuckDBListEntry*)data)[row], type),
                DuckDBType.Struct => ReadStruct(fields!, (int)i, type),
                _ => throw new InvalidOperationException($"no reader for {type.Text}"),
            };
        }

        return values;
    }

    /// <summary>Writes one value per row into rows <paramref name="offset"/>, <paramref name="offset"/> + 1, ... of a vector.</summary>
    /// <exception cref="FormatException">A value that cannot be the vector's type; the message says which row and why.</exception>
    public static void Write(nint vector, SqlValueType type, ulong offset, IReadOnlyList<object?> values, string where)
    {
        if (type.Id is DuckDBType.List or DuckDBType.Map)
        {
            WriteLists(vector, type, offset, values, where);
            return;
        }

        nint[]? children = null;
        if (type.Id == DuckDBType.Struct)
        {
            children = new nint[type.Fields.Count];
            for (var f = 0; f < children.Length; f++)
            {
                children[f] = NativeMethods.Vectors.DuckDBStructVectorGetChild(vector, f);
            }
        }

        var data = NativeMethods.Vectors.DuckDBVectorGetData(vector);
        for (var i = 0; i < values.Count; i++)
        {
            var row = offset + (ulong)i;
            var value = values[i];
            if (value is null)
            {
                SetNull(vector, row);
                if (children is not null)
                {
                    for (var f = 0; f < children.Length; f++)
                    {
                        Write(children[f], type.Fields[f], row, [null], where);
                    }
                }

                continue;
            }

            var at = $"{where}, row {i + 1}";
            switch (type.Id)
            {
                case DuckDBType.Boolean:
                    ((byte*)data)[row] = value is bool b ? (byte)(b ? 1 : 0) : throw Mismatch(value, type, at);
                    break;
                case DuckDBType.TinyInt:
                    ((sbyte*)data)[row] = (sbyte)Integer(value, type, at, sbyte.MinValue, sbyte.MaxValue);
                    break;
                case DuckDBType.SmallInt:
                    ((short*)data)[row] = (short)Integer(value, type, at, short.MinValue, short.MaxValue);
                    break;
                case DuckDBType.Integer:
                    ((int*)data)[row] = (int)Integer(value, type, at, int.MinValue, int.MaxValue);
                    break;
                case DuckDBType.BigInt:
                    ((long*)data)[row] = (long)Integer(value, type, at, long.MinValue, long.MaxValue);
                    break;
                case DuckDBType.UnsignedTinyInt:
                    ((byte*)data)[row] = (byte)Integer(value, type, at, byte.MinValue, byte.MaxValue);
                    break;
                case DuckDBType.UnsignedSmallInt:
                    ((ushort*)data)[row] = (ushort)Integer(value, type, at, ushort.MinValue, ushort.MaxValue);
                    break;
                case DuckDBType.UnsignedInteger:
                    ((uint*)data)[row] = (uint)Integer(value, type, at, uint.MinValue, uint.MaxValue);
                    break;
                case DuckDBType.UnsignedBigInt:
                    ((ulong*)data)[row] = (ulong)Integer(value, type, at, ulong.MinValue, ulong.MaxValue);
                    break;
                case DuckDBType.Float:
                    ((float*)data)[row] = (float)Real(value, type, at);
                    break;
                case DuckDBType.Double:
                    ((double*)data)[row] = Real(value, type, at);
                    break;
                case DuckDBType.Decimal:
                    WriteDecimal(data, row, Decimal(value, type, at), type, at);
                    break;
                case DuckDBType.Varchar:
                    WriteBytes(vector, row, Encoding.UTF8.GetBytes(value as string ?? throw Mismatch(value, type, at)));
                    break;
                case DuckDBType.Blob:
                    WriteBytes(vector, row, value as byte[] ?? throw Mismatch(value, type, at));
                    break;
                case DuckDBType.Date:
                    ((int*)data)[row] = value switch
                    {
                        DateOnly d => d.DayNumber - UnixEpochDayNumber,
                        DateTime dt => DateOnly.FromDateTime(dt).DayNumber - UnixEpochDayNumber,
                        _ => throw Mismatch(value, type, at),
                    };
                    break;
                case DuckDBType.Time:
                    ((long*)data)[row] = value switch
                    {
                        TimeOnly t => t.Ticks / TimeSpan.TicksPerMicrosecond,
                        _ => throw Mismatch(value, type, at),
                    };
                    break;
                case DuckDBType.Timestamp or DuckDBType.TimestampTz:
                    ((long*)data)[row] = value switch
                    {
                        DateTimeOffset dto => (dto.UtcTicks - UnixEpochTicks) / TimeSpan.TicksPerMicrosecond,
                        DateTime dt => (dt.Ticks - UnixEpochTicks) / TimeSpan.TicksPerMicrosecond,
                        DateOnly d => (d.ToDateTime(TimeOnly.MinValue).Ticks - UnixEpochTicks) / TimeSpan.TicksPerMicrosecond,
                        _ => throw Mismatch(value, type, at),
                    };
                    break;
                case DuckDBType.Interval:
                    ((DuckDBInterval*)data)[row] = value is TimeSpan span
                        ? new DuckDBInterval(0, span.Days, unchecked((ulong)((span.Ticks % TimeSpan.TicksPerDay) / TimeSpan.TicksPerMicrosecond)))
                        : throw Mismatch(value, type, at);
                    break;
                case DuckDBType.Struct:
                    var fields = Fields(value, type, at);
                    for (var f = 0; f < children!.Length; f++)
                    {
                        fields.TryGetValue(type.FieldNames[f], out var member);
                        Write(children[f], type.Fields[f], row, [member], $"{at}, field {type.FieldNames[f]}");
                    }

                    break;
                default:
                    throw new FormatException($"{at}: no writer for {type.Text}");
            }
        }
    }

    /// <summary>How a value is described in messages: <c>"abc" (text)</c>, <c>3000000000 (integer)</c>.</summary>
    public static string Describe(object? value)
    {
        var text = value switch
        {
            null => "null",
            string s => "\"" + (s.Length > 40 ? s[..40] + "…" : s) + "\"",
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => "",
        };
        var kind = value switch
        {
            null => "",
            string => "text",
            bool => "boolean",
            long or int or ulong or short or byte or sbyte or ushort or uint => "integer",
            double or float => "number",
            decimal => "decimal",
            byte[] => "bytes",
            DateOnly => "date",
            TimeOnly => "time",
            DateTime or DateTimeOffset => "date and time",
            TimeSpan => "duration",
            IDictionary or IReadOnlyDictionary<string, object?> or IReadOnlyDictionary<object, object?> => "mapping",
            IEnumerable => "list",
            _ => value.GetType().Name,
        };
        return kind.Length == 0 ? text : text.Length == 0 ? $"a {kind}" : $"{text} ({kind})";
    }

    private static FormatException Mismatch(object value, SqlValueType type, string at) =>
        new($"{at}: {Describe(value)} is not a {type.Text}");

    private static object ReadDecimal(void* data, SqlValueType type, ulong row)
    {
        Int128 unscaled = type.Storage switch
        {
            DuckDBType.SmallInt => ((short*)data)[row],
            DuckDBType.Integer => ((int*)data)[row],
            DuckDBType.BigInt => ((long*)data)[row],
            _ => ((Int128*)data)[row],
        };
        var magnitude = Int128.Abs(unscaled);
        if (magnitude > (Int128)decimal.MaxValue)
        {
            throw new OverflowException($"a {type.Text} value with more than 28 digits cannot be passed to a plugin's function");
        }

        var bits = (UInt128)magnitude;
        return new decimal((int)(uint)bits, (int)(uint)(bits >> 32), (int)(uint)(bits >> 64), unscaled < 0, (byte)type.Scale);
    }

    private static DateOnly ReadDate(int days, SqlValueType type)
    {
        var number = (long)UnixEpochDayNumber + days;
        return number >= DateOnly.MinValue.DayNumber && number <= DateOnly.MaxValue.DayNumber
            ? DateOnly.FromDayNumber((int)number)
            : throw new OverflowException($"the {type.Text} value {TemporalFormat.Date(days)} is outside the years 1 to 9999");
    }

    private static DateTime ReadTimestamp(long micros, SqlValueType type)
    {
        var ticks = (Int128)micros * TimeSpan.TicksPerMicrosecond + UnixEpochTicks;
        return ticks >= DateTime.MinValue.Ticks && ticks <= DateTime.MaxValue.Ticks
            ? new DateTime((long)ticks, DateTimeKind.Unspecified)
            : throw new OverflowException($"the {type.Text} value {TemporalFormat.Timestamp(micros, 6, utc: false)} is outside the years 1 to 9999");
    }

    private static TimeSpan ReadInterval(DuckDBInterval interval)
    {
        var micros = ((Int128)interval.Months * 30 + interval.Days) * MicrosPerDay + (long)interval.Micros;
        var ticks = micros * TimeSpan.TicksPerMicrosecond;
        return ticks >= TimeSpan.MinValue.Ticks && ticks <= TimeSpan.MaxValue.Ticks
            ? new TimeSpan((long)ticks)
            : throw new OverflowException("an INTERVAL too long for a duration");
    }

    private static List<object?> ReadList(nint vector, DuckDBListEntry entry, SqlValueType type) =>
        [.. Read(NativeMethods.Vectors.DuckDBListVectorGetChild(vector), type.Element!, entry.Offset, entry.Length)];

    private static Dictionary<object, object?> ReadMap(nint vector, DuckDBListEntry entry, SqlValueType type)
    {
        var entries = NativeMethods.Vectors.DuckDBListVectorGetChild(vector);
        var keys = Read(NativeMethods.Vectors.DuckDBStructVectorGetChild(entries, 0), type.Key!, entry.Offset, entry.Length);
        var values = Read(NativeMethods.Vectors.DuckDBStructVectorGetChild(entries, 1), type.Value!, entry.Offset, entry.Length);
        var map = new Dictionary<object, object?>(keys.Length);
        for (var i = 0; i < keys.Length; i++)
        {
            map[keys[i] ?? throw new InvalidOperationException($"a {type.Text} with a NULL key")] = values[i];
        }

        return map;
    }

    private static Dictionary<string, object?> ReadStruct(object?[][] fields, int index, SqlValueType type)
    {
        var obj = new Dictionary<string, object?>(fields.Length, StringComparer.Ordinal);
        for (var f = 0; f < fields.Length; f++)
        {
            obj[type.FieldNames[f]] = fields[f][index];
        }

        return obj;
    }

    private static void SetNull(nint vector, ulong row)
    {
        NativeMethods.Vectors.DuckDBVectorEnsureValidityWritable(vector);
        var validity = NativeMethods.Vectors.DuckDBVectorGetValidity(vector);
        validity[row >> 6] &= ~(1UL << (int)(row & 63));
    }

    private static void WriteBytes(nint vector, ulong row, byte[] bytes)
    {
        fixed (byte* pointer = bytes)
        {
            NativeMethods.Vectors.DuckDBVectorAssignStringElementLength(vector, row, pointer, bytes.Length);
        }
    }

    /// <summary>LIST and MAP: every row's items go to the child vector (reserved once for all rows), then the entries.</summary>
    private static void WriteLists(nint vector, SqlValueType type, ulong offset, IReadOnlyList<object?> values, string where)
    {
        var items = new List<object?>[values.Count];
        List<object?>? keys = type.Id == DuckDBType.Map ? [] : null;
        var flat = new List<object?>();
        var flatKeys = new List<object?>();
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is not { } value)
            {
                continue;
            }

            var at = $"{where}, row {i + 1}";
            if (type.Id == DuckDBType.List)
            {
                items[i] = value is IEnumerable sequence and not string and not byte[] and not IDictionary && value is not IReadOnlyDictionary<string, object?>
                    ? sequence.Cast<object?>().ToList()
                    : throw Mismatch(value, type, at);
                flat.AddRange(items[i]);
            }
            else
            {
                var pairs = MapEntries(value, type, at);
                items[i] = [.. pairs.Select(p => p.Value)];
                flatKeys.AddRange(pairs.Select(p => p.Key));
                flat.AddRange(items[i]);
            }
        }

        var start = (ulong)NativeMethods.Vectors.DuckDBListVectorGetSize(vector);
        var total = start + (ulong)flat.Count;
        if (NativeMethods.Vectors.DuckDBListVectorReserve(vector, total) != DuckDBState.Success)
        {
            throw new FormatException($"{where}: DuckDB could not make room for {flat.Count} list items");
        }

        var child = NativeMethods.Vectors.DuckDBListVectorGetChild(vector);
        if (type.Id == DuckDBType.List)
        {
            Write(child, type.Element!, start, flat, where + ", list item");
        }
        else
        {
            Write(NativeMethods.Vectors.DuckDBStructVectorGetChild(child, 0), type.Key!, start, flatKeys, where + ", map key");
            Write(NativeMethods.Vectors.DuckDBStructVectorGetChild(child, 1), type.Value!, start, flat, where + ", map value");
        }

        NativeMethods.Vectors.DuckDBListVectorSetSize(vector, total);
        var entries = (DuckDBListEntry*)NativeMethods.Vectors.DuckDBVectorGetData(vector);
        var next = start;
        for (var i = 0; i < values.Count; i++)
        {
            var row = offset + (ulong)i;
            if (items[i] is not { } list)
            {
                entries[row] = new DuckDBListEntry(next, 0);
                SetNull(vector, row);
                continue;
            }

            entries[row] = new DuckDBListEntry(next, (ulong)list.Count);
            next += (ulong)list.Count;
        }
    }

    /// <summary>A MAP's entries; keys that arrive as text (JSON objects have only string keys) are read as the key type.</summary>
    private static List<KeyValuePair<object?, object?>> MapEntries(object value, SqlValueType type, string at)
    {
        IEnumerable<KeyValuePair<object?, object?>> pairs = value switch
        {
            IReadOnlyDictionary<string, object?> d => d.Select(kv => new KeyValuePair<object?, object?>(kv.Key, kv.Value)),
            IReadOnlyDictionary<object, object?> d => d.Select(kv => new KeyValuePair<object?, object?>(kv.Key, kv.Value)),
            IDictionary d => d.Cast<DictionaryEntry>().Select(e => new KeyValuePair<object?, object?>(e.Key, e.Value)),
            _ => throw Mismatch(value, type, at),
        };
        return pairs.Select(kv => new KeyValuePair<object?, object?>(kv.Key is string text ? KeyFromText(text, type.Key!, at) : kv.Key, kv.Value)).ToList();
    }

    private static object KeyFromText(string text, SqlValueType key, string at)
    {
        try
        {
            return key.Id switch
            {
                DuckDBType.Varchar => text,
                DuckDBType.Boolean => bool.Parse(text),
                DuckDBType.TinyInt or DuckDBType.SmallInt or DuckDBType.Integer or DuckDBType.BigInt
                    or DuckDBType.UnsignedTinyInt or DuckDBType.UnsignedSmallInt or DuckDBType.UnsignedInteger => long.Parse(text, CultureInfo.InvariantCulture),
                DuckDBType.UnsignedBigInt => ulong.Parse(text, CultureInfo.InvariantCulture),
                DuckDBType.Float or DuckDBType.Double => double.Parse(text, CultureInfo.InvariantCulture),
                DuckDBType.Decimal => decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
                DuckDBType.Date => DateOnly.Parse(text, CultureInfo.InvariantCulture),
                DuckDBType.Time => TimeOnly.Parse(text, CultureInfo.InvariantCulture),
                DuckDBType.Timestamp or DuckDBType.TimestampTz => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                _ => text,
            };
        }
        catch (FormatException)
        {
            throw new FormatException($"{at}: the map key \"{text}\" is not a {key.Text}");
        }
    }

    private static IReadOnlyDictionary<string, object?> Fields(object value, SqlValueType type, string at)
    {
        var fields = value switch
        {
            IReadOnlyDictionary<string, object?> d => d,
            IDictionary<string, object?> d => d.AsReadOnly(),
            _ => throw Mismatch(value, type, at),
        };
        foreach (var name in fields.Keys)
        {
            if (!type.FieldNames.Contains(name, StringComparer.Ordinal))
            {
                throw new FormatException($"{at}: {type.Text} has no field \"{name}\"");
            }
        }

        return fields;
    }

    private static Int128 Integer(object value, SqlValueType type, string at, Int128 min, Int128 max)
    {
        Int128? number = value switch
        {
            long l => l,
            int i => i,
            ulong ul => ul,
            short s => s,
            ushort us => us,
            byte b => b,
            sbyte sb => sb,
            uint ui => ui,
            double d when double.IsInteger(d) && Math.Abs(d) < 1e38 => (Int128)d,
            decimal m when decimal.IsInteger(m) => (Int128)m,
            _ => null,
        };
        if (number is not { } n)
        {
            throw Mismatch(value, type, at);
        }

        return n >= min && n <= max ? n : throw new FormatException($"{at}: {Describe(value)} does not fit {type.Text}");
    }

    private static double Real(object value, SqlValueType type, string at) => value switch
    {
        double d => d,
        float f => f,
        long l => l,
        int i => i,
        ulong ul => ul,
        decimal m => (double)m,
        _ => throw Mismatch(value, type, at),
    };

    private static decimal Decimal(object value, SqlValueType type, string at)
    {
        try
        {
            return value switch
            {
                decimal m => m,
                long l => l,
                int i => i,
                ulong ul => ul,
                double d when double.IsFinite(d) => (decimal)d,
                _ => throw Mismatch(value, type, at),
            };
        }
        catch (OverflowException)
        {
            throw new FormatException($"{at}: {Describe(value)} does not fit {type.Text}");
        }
    }

    private static void WriteDecimal(void* data, ulong row, decimal value, SqlValueType type, string at)
    {
        var rounded = Math.Round(value, Math.Min(type.Scale, 28), MidpointRounding.ToEven);
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(rounded, bits);
        var unscaled = ((Int128)(uint)bits[2] << 64) | ((Int128)(uint)bits[1] << 32) | (uint)bits[0];
        for (var scale = (bits[3] >> 16) & 0xFF; scale < type.Scale; scale++)
        {
            unscaled *= 10;
        }

        var limit = Int128.One;
        for (var i = 0; i < type.Width; i++)
        {
            limit *= 10;
        }

        if (unscaled >= limit)
        {
            throw new FormatException($"{at}: {Describe(value)} does not fit {type.Text}");
        }

        if (bits[3] < 0)
        {
            unscaled = -unscaled;
        }

        switch (type.Storage)
        {
            case DuckDBType.SmallInt:
                ((short*)data)[row] = (short)unscaled;
                break;
            case DuckDBType.Integer:
                ((int*)data)[row] = (int)unscaled;
                break;
            case DuckDBType.BigInt:
                ((long*)data)[row] = (long)unscaled;
                break;
            default:
                ((Int128*)data)[row] = unscaled;
                break;
        }
    }
}
