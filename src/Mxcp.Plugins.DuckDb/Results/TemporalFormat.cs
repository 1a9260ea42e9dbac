using System.Globalization;
using System.Text;

namespace Mxcp.Plugins.DuckDb.Results;

/// <summary>
/// ISO 8601 text for DuckDB's date, time, timestamp and interval values, computed from their integer encodings so that
/// the whole DuckDB range works (years before 1 and after 9999 included), not only what <see cref="DateTime"/> holds.
/// Written into a stack buffer: these run once per cell.
/// </summary>
internal static class TemporalFormat
{
    public const string Infinity = "infinity";
    public const string NegativeInfinity = "-infinity";

    private const long MicrosPerSecond = 1_000_000;

    /// <summary><c>YYYY-MM-DD</c> for days since 1970-01-01; <c>infinity</c> / <c>-infinity</c> for DuckDB's sentinels.</summary>
    public static string Date(int days)
    {
        if (days == int.MaxValue)
        {
            return Infinity;
        }

        if (days == -int.MaxValue)
        {
            return NegativeInfinity;
        }

        var text = new TextBuffer(stackalloc char[24]);
        AppendDate(ref text, days);
        return text.ToString();
    }

    /// <summary><c>HH:MM:SS[.ffffff]</c> for microseconds since midnight (DuckDB allows 24:00:00).</summary>
    public static string Time(long micros)
    {
        var text = new TextBuffer(stackalloc char[24]);
        AppendTime(ref text, micros * 1000, nanosecondDigits: false);
        return text.ToString();
    }

    /// <summary><c>HH:MM:SS[.ffffff|.fffffffff]</c> for nanoseconds since midnight.</summary>
    public static string TimeNs(long nanos)
    {
        var text = new TextBuffer(stackalloc char[24]);
        AppendTime(ref text, nanos, nanosecondDigits: true);
        return text.ToString();
    }

    /// <summary><c>HH:MM:SS[.ffffff]+HH:MM[:SS]</c> for a TIME WITH TIME ZONE value (offset in seconds east of UTC).</summary>
    public static string TimeTz(long micros, int offsetSeconds)
    {
        var text = new TextBuffer(stackalloc char[32]);
        AppendTime(ref text, micros * 1000, nanosecondDigits: false);
        text.Append(offsetSeconds < 0 ? '-' : '+');
        var abs = Math.Abs(offsetSeconds);
        text.AppendDigits(abs / 3600, 2);
        text.Append(':');
        text.AppendDigits(abs / 60 % 60, 2);
        if (abs % 60 != 0)
        {
            text.Append(':');
            text.AppendDigits(abs % 60, 2);
        }

        return text.ToString();
    }

    /// <summary>
    /// <c>YYYY-MM-DDTHH:MM:SS[.ffffff]Z</c> for a timestamp stored as <paramref name="value"/> units of
    /// 10^-<paramref name="unitDigits"/> seconds (0 = s, 3 = ms, 6 = µs, 9 = ns) since the epoch; <c>+00:00</c> instead
    /// of <c>Z</c> for TIMESTAMP WITH TIME ZONE (<paramref name="utc"/>).
    /// </summary>
    /// <remarks>
    /// A TIMESTAMP without time zone is sent as UTC: RFC 3339 date-times (JSON Schema's <c>date-time</c> format, which
    /// MCP clients check results against) must carry an offset, and DuckDB computes naive timestamps in UTC.
    /// </remarks>
    public static string Timestamp(long value, int unitDigits, bool utc)
    {
        if (value == long.MaxValue)
        {
            return Infinity;
        }

        if (value == -long.MaxValue)
        {
            return NegativeInfinity;
        }

        var unitsPerSecond = unitDigits switch { 0 => 1L, 3 => 1_000L, 6 => 1_000_000L, _ => 1_000_000_000L };
        var unitsPerDay = 86_400 * unitsPerSecond;
        var days = Math.DivRem(value, unitsPerDay, out var rem);
        if (rem < 0)
        {
            rem += unitsPerDay;
            days--;
        }

        var text = new TextBuffer(stackalloc char[48]);
        AppendDate(ref text, days);
        text.Append('T');
        AppendTime(ref text, rem * (1_000_000_000L / unitsPerSecond), nanosecondDigits: unitDigits == 9);
        text.Append(utc ? "+00:00" : "Z");

        return text.ToString();
    }

    /// <summary>An ISO 8601 duration: <c>P1Y2M3DT4H5M6.5S</c>; <c>PT0S</c> for zero. Each part keeps its own sign.</summary>
    public static string Interval(int months, int days, long micros)
    {
        if (months == 0 && days == 0 && micros == 0)
        {
            return "PT0S";
        }

        var text = new StringBuilder("P", 24);
        AppendPart(text, months / 12, 'Y');
        AppendPart(text, months % 12, 'M');
        AppendPart(text, days, 'D');
        if (micros != 0)
        {
            text.Append('T');
            AppendPart(text, micros / (3600 * MicrosPerSecond), 'H');
            AppendPart(text, micros / (60 * MicrosPerSecond) % 60, 'M');
            var secondMicros = micros % (60 * MicrosPerSecond);
            if (secondMicros != 0)
            {
                var seconds = secondMicros / (decimal)MicrosPerSecond;
                text.Append(seconds.ToString("0.######", CultureInfo.InvariantCulture)).Append('S');
            }
        }

        return text.ToString();
    }

    private static void AppendPart(StringBuilder text, long value, char unit)
    {
        if (value != 0)
        {
            text.Append(value.ToString(CultureInfo.InvariantCulture)).Append(unit);
        }
    }

    /// <summary>Appends <c>YYYY-MM-DD</c>; years outside 0000-9999 use ISO's expanded form (<c>+10000</c>, <c>-0044</c>).</summary>
    private static void AppendDate(ref TextBuffer text, long daysSinceEpoch)
    {
        // Civil-from-days over the proleptic Gregorian calendar (H. Hinnant's algorithm), valid for any long.
        var z = daysSinceEpoch + 719_468;
        var era = (z >= 0 ? z : z - 146_096) / 146_097;
        var doe = z - era * 146_097;
        var yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        var y = yoe + era * 400;
        var doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        var mp = (5 * doy + 2) / 153;
        var d = doy - (153 * mp + 2) / 5 + 1;
        var m = mp < 10 ? mp + 3 : mp - 9;
        if (m <= 2)
        {
            y++;
        }

        if (y is < 0 or > 9999)
        {
            text.Append(y < 0 ? '-' : '+');
        }

        text.AppendDigits(Math.Abs(y), 4);
        text.Append('-');
        text.AppendDigits(m, 2);
        text.Append('-');
        text.AppendDigits(d, 2);
    }

    private static void AppendTime(ref TextBuffer text, long nanosOfDay, bool nanosecondDigits)
    {
        var totalSeconds = Math.DivRem(nanosOfDay, 1_000_000_000L, out var fraction);
        text.AppendDigits(totalSeconds / 3600, 2);
        text.Append(':');
        text.AppendDigits(totalSeconds / 60 % 60, 2);
        text.Append(':');
        text.AppendDigits(totalSeconds % 60, 2);
        if (fraction != 0)
        {
            text.Append('.');
            if (nanosecondDigits && fraction % 1000 != 0)
            {
                text.AppendDigits(fraction, 9);
            }
            else
            {
                text.AppendDigits(fraction / 1000, 6);
            }
        }
    }

    /// <summary>A fixed-size character buffer on the stack.</summary>
    private ref struct TextBuffer(Span<char> buffer)
    {
        private readonly Span<char> _buffer = buffer;
        private int _length;

        public void Append(char c) => _buffer[_length++] = c;

        public void Append(string s)
        {
            s.AsSpan().CopyTo(_buffer[_length..]);
            _length += s.Length;
        }

        /// <summary>Appends a non-negative number with at least <paramref name="minDigits"/> digits.</summary>
        public void AppendDigits(long value, int minDigits)
        {
            value.TryFormat(_buffer[_length..], out var written, default, CultureInfo.InvariantCulture);
            if (written < minDigits)
            {
                var pad = minDigits - written;
                _buffer.Slice(_length, written).CopyTo(_buffer[(_length + pad)..]);
                _buffer.Slice(_length, pad).Fill('0');
                written = minDigits;
            }

            _length += written;
        }

        public override readonly string ToString() => new(_buffer[.._length]);
    }
}
