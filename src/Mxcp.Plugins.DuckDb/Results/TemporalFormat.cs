using System.Globalization;
using System.Text;

namespace Mxcp.Plugins.DuckDb.Results;

/// <summary>
/// ISO 8601 text for DuckDB's date, time, timestamp and interval values, computed from their integer encodings so that
/// the whole DuckDB range works (years before 1 and after 9999 included), not only what <see cref="DateTime"/> holds.
/// </summary>
internal static class TemporalFormat
{
    public const string Infinity = "infinity";
    public const string NegativeInfinity = "-infinity";

    private const long MicrosPerSecond = 1_000_000;
    private const long MicrosPerDay = 86_400 * MicrosPerSecond;
    private const long NanosPerDay = MicrosPerDay * 1000;

    /// <summary><c>YYYY-MM-DD</c> for days since 1970-01-01; <c>infinity</c> / <c>-infinity</c> for DuckDB's sentinels.</summary>
    public static string Date(int days) => days switch
    {
        int.MaxValue => Infinity,
        -int.MaxValue => NegativeInfinity,
        _ => AppendDate(new StringBuilder(10), days).ToString(),
    };

    /// <summary><c>HH:MM:SS[.ffffff]</c> for microseconds since midnight (DuckDB allows 24:00:00).</summary>
    public static string Time(long micros) => AppendTime(new StringBuilder(15), micros * 1000, nanosecondDigits: false).ToString();

    /// <summary><c>HH:MM:SS[.ffffff|.fffffffff]</c> for nanoseconds since midnight.</summary>
    public static string TimeNs(long nanos) => AppendTime(new StringBuilder(18), nanos, nanosecondDigits: true).ToString();

    /// <summary><c>HH:MM:SS[.ffffff]+HH:MM[:SS]</c> for a TIME WITH TIME ZONE value (offset in seconds east of UTC).</summary>
    public static string TimeTz(long micros, int offsetSeconds)
    {
        var text = AppendTime(new StringBuilder(21), micros * 1000, nanosecondDigits: false);
        return AppendOffset(text, offsetSeconds).ToString();
    }

    /// <summary>
    /// <c>YYYY-MM-DDTHH:MM:SS[.ffffff]</c> for a timestamp stored as <paramref name="value"/> units of
    /// 10^-<paramref name="unitDigits"/> seconds (0 = s, 3 = ms, 6 = µs, 9 = ns) since the epoch.
    /// </summary>
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

        var nanos = rem * (1_000_000_000L / unitsPerSecond);
        var text = AppendDate(new StringBuilder(32), days).Append('T');
        AppendTime(text, nanos, nanosecondDigits: unitDigits == 9);
        if (utc)
        {
            text.Append("+00:00");
        }

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
        var years = months / 12;
        var restMonths = months % 12;
        if (years != 0)
        {
            text.Append(years.ToString(CultureInfo.InvariantCulture)).Append('Y');
        }

        if (restMonths != 0)
        {
            text.Append(restMonths.ToString(CultureInfo.InvariantCulture)).Append('M');
        }

        if (days != 0)
        {
            text.Append(days.ToString(CultureInfo.InvariantCulture)).Append('D');
        }

        if (micros != 0)
        {
            text.Append('T');
            var hours = micros / (3600 * MicrosPerSecond);
            var minutes = micros / (60 * MicrosPerSecond) % 60;
            var secondMicros = micros % (60 * MicrosPerSecond);
            if (hours != 0)
            {
                text.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('H');
            }

            if (minutes != 0)
            {
                text.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('M');
            }

            if (secondMicros != 0)
            {
                var seconds = secondMicros / (decimal)MicrosPerSecond;
                text.Append(seconds.ToString("0.######", CultureInfo.InvariantCulture)).Append('S');
            }
        }

        return text.ToString();
    }

    /// <summary>Appends <c>YYYY-MM-DD</c>; years outside 0000-9999 use ISO's expanded form (<c>+10000</c>, <c>-0044</c>).</summary>
    public static StringBuilder AppendDate(StringBuilder text, long daysSinceEpoch)
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

        if (y is >= 0 and <= 9999)
        {
            Append(text, y, 4);
        }
        else
        {
            text.Append(y < 0 ? '-' : '+');
            Append(text, Math.Abs(y), 4);
        }

        text.Append('-');
        Append(text, m, 2);
        text.Append('-');
        Append(text, d, 2);
        return text;
    }

    private static StringBuilder AppendTime(StringBuilder text, long nanosOfDay, bool nanosecondDigits)
    {
        var totalSeconds = Math.DivRem(nanosOfDay, 1_000_000_000L, out var fraction);
        Append(text, totalSeconds / 3600, 2);
        text.Append(':');
        Append(text, totalSeconds / 60 % 60, 2);
        text.Append(':');
        Append(text, totalSeconds % 60, 2);
        if (fraction != 0)
        {
            text.Append('.');
            if (nanosecondDigits && fraction % 1000 != 0)
            {
                Append(text, fraction, 9);
            }
            else
            {
                Append(text, fraction / 1000, 6);
            }
        }

        return text;
    }

    private static StringBuilder AppendOffset(StringBuilder text, int offsetSeconds)
    {
        text.Append(offsetSeconds < 0 ? '-' : '+');
        var abs = Math.Abs(offsetSeconds);
        Append(text, abs / 3600, 2);
        text.Append(':');
        Append(text, abs / 60 % 60, 2);
        if (abs % 60 != 0)
        {
            text.Append(':');
            Append(text, abs % 60, 2);
        }

        return text;
    }

    private static void Append(StringBuilder text, long value, int minDigits) =>
        text.Append(value.ToString(CultureInfo.InvariantCulture).PadLeft(minDigits, '0'));
}
