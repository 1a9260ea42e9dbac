using System.Globalization;
using System.Text.RegularExpressions;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Types;

/// <summary>
/// Parses and checks the string formats. Inputs and outputs share these rules, so a value the server accepts
/// from a client is also a value it may return.
/// </summary>
internal static partial class SchemaFormats
{
    // ISO 8601 / RFC 3339 shapes. Python's fromisoformat also takes a space separator and a bare date; a value
    // without an offset is read as UTC, so that the same text means the same instant on every server.
    private static readonly string[] DateTimeFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mmK",
        "yyyy-MM-dd",
    ];

    private static readonly string[] TimeFormats = ["HH:mm:ss.FFFFFFF"];

    // Unix seconds that fit in DateTimeOffset (years 1 to 9999).
    private const double MinUnixSeconds = -62135596800d;
    private const double MaxUnixSeconds = 253402300799d;

    /// <summary>Checks a string against its format and returns the validated value: the string itself, or a parsed date/time.</summary>
    /// <exception cref="SchemaViolationException">The string does not have the format.</exception>
    public static object Parse(string text, TypeSchema schema) => schema.Format switch
    {
        SchemaFormat.None => text,
        SchemaFormat.Email => IsEmail(text) ? text : throw new SchemaViolationException(ValidationRule.Format, "Invalid email format"),
        SchemaFormat.Uri => IsUri(text) ? text : throw new SchemaViolationException(ValidationRule.Format, "Invalid URI format"),
        SchemaFormat.Duration => IsDuration(text)
            ? text
            : throw Invalid("duration", text, schema, "ISO 8601 duration, e.g. P1DT2H30M"),
        SchemaFormat.Date => TryParseDate(text, out var date) ? date : throw Invalid("date", text, schema, "YYYY-MM-DD"),
        SchemaFormat.Time => TryParseTime(text, out var time) ? time : throw Invalid("time", text, schema, "HH:MM:SS"),
        SchemaFormat.DateTime => TryParseDateTime(text, out var dateTime)
            ? dateTime
            : throw Invalid("date-time", text, schema, "ISO 8601, e.g. 2024-01-15T10:30:00Z"),
        SchemaFormat.Timestamp => TryParseTimestamp(text, out var timestamp)
            ? timestamp
            : throw new SchemaViolationException(
                ValidationRule.Format,
                "Invalid timestamp" + SchemaText.Quote(text, schema) + " (expected Unix seconds or an ISO 8601 date-time)"),
        _ => text,
    };

    /// <summary>
    /// Checks an output string against its format without keeping the parsed value (output validation). Outputs are
    /// held to what MCP clients check them against: a <c>date-time</c> or <c>time</c> is RFC 3339, with an offset
    /// (<see cref="ToRfc3339"/> gives naive values one before validation).
    /// </summary>
    /// <exception cref="SchemaViolationException">The string does not have the format.</exception>
    public static void Check(string text, TypeSchema schema)
    {
        switch (schema.Format)
        {
            case SchemaFormat.None:
                return;
            case SchemaFormat.Time:
                if (!Rfc3339TimeRegex().IsMatch(text) || !TryParseTimeWithOffset(TrimFraction(text)))
                {
                    throw Invalid("time", text, schema, "HH:MM:SS with an offset, e.g. 10:30:00Z");
                }

                return;
            case SchemaFormat.DateTime:
                if (!Rfc3339DateTimeRegex().IsMatch(text) || !TryParseDateTime(TrimFraction(text), out _))
                {
                    throw Invalid("date-time", text, schema, "RFC 3339 with an offset, e.g. 2024-01-15T10:30:00Z");
                }

                return;
            default:
                Parse(text, schema);
                return;
        }
    }

    /// <summary>
    /// The RFC 3339 form of an output value of a <c>date-time</c> or <c>time</c> field: a value without an offset is
    /// UTC and gets <c>Z</c> (as DuckDB's TIMESTAMP and Python's naive datetime are sent), other ISO 8601 forms that
    /// parse (a bare date, no seconds) are written out in full. <see langword="null"/> when the text is no date-time
    /// or time at all (output validation reports it); the text itself when it is RFC 3339 already.
    /// </summary>
    public static string? ToRfc3339(string text, SchemaFormat format)
    {
        if (format == SchemaFormat.Time)
        {
            return Rfc3339TimeRegex().IsMatch(text) ? text : NaiveTimeRegex().IsMatch(text) ? text + "Z" : null;
        }

        if (Rfc3339DateTimeRegex().IsMatch(text))
        {
            return text;
        }

        if (NaiveDateTimeRegex().IsMatch(text))
        {
            return string.Concat(text.AsSpan(0, 10), "T", text.AsSpan(11), "Z");
        }

        return TryParseDateTime(text, out var value) ? JsonValues.FormatDateTime(value) : null;
    }

    /// <summary>Converts Unix seconds to a UTC instant.</summary>
    /// <exception cref="SchemaViolationException">The number is outside the years 1 to 9999.</exception>
    public static DateTimeOffset FromUnixSeconds(double seconds, TypeSchema schema)
    {
        if (!TryFromUnixSeconds(seconds, out var value))
        {
            throw new SchemaViolationException(
                ValidationRule.Format,
                "Invalid timestamp" + SchemaText.Quote(SchemaText.Number(seconds), schema) + " (out of range)");
        }

        return value;
    }

    public static bool TryParseDate(string text, out DateOnly value) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out value);

    public static bool TryParseTime(string text, out TimeOnly value) =>
        TimeOnly.TryParseExact(text, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);

    public static bool TryParseDateTime(string text, out DateTimeOffset value)
    {
        if (DateTimeOffset.TryParseExact(text, DateTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value))
        {
            return true;
        }

        // RFC 3339 allows lower-case 't' and 'z'; the .NET patterns do not.
        return text.AsSpan().ContainsAny('t', 'z')
            && DateTimeOffset.TryParseExact(
                text.ToUpperInvariant(), DateTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }

    public static bool TryParseTimestamp(string text, out DateTimeOffset value)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return TryFromUnixSeconds(seconds, out value);
        }

        return TryParseDateTime(text, out value);
    }

    public static bool IsEmail(string text) => EmailRegex().IsMatch(text);

    public static bool IsUri(string text) => UriRegex().IsMatch(text);

    public static bool IsDuration(string text) => text.Length > 1 && text[^1] != 'T' && DurationRegex().IsMatch(text);

    private static bool TryParseTimeWithOffset(string text) =>
        DateTimeOffset.TryParseExact(
            "2000-01-01T" + text, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _);

    private static bool TryFromUnixSeconds(double seconds, out DateTimeOffset value)
    {
        if (!double.IsFinite(seconds) || seconds < MinUnixSeconds || seconds > MaxUnixSeconds)
        {
            value = default;
            return false;
        }

        var ticks = (long)Math.Round(seconds * TimeSpan.TicksPerSecond);
        value = DateTimeOffset.UnixEpoch.AddTicks(ticks);
        return true;
    }

    /// <summary>At most 7 fraction digits (what <see cref="DateTimeOffset"/> parses); DuckDB sends 9 for TIMESTAMP_NS.</summary>
    private static string TrimFraction(string text)
    {
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            return text;
        }

        var end = dot + 1;
        while (end < text.Length && char.IsAsciiDigit(text[end]))
        {
            end++;
        }

        return end - dot - 1 <= 7 ? text : string.Concat(text.AsSpan(0, dot + 8), text.AsSpan(end));
    }

    private static SchemaViolationException Invalid(string format, string text, TypeSchema schema, string expected) =>
        new(ValidationRule.Format, "Invalid " + format + " format" + SchemaText.Quote(text, schema) + " (expected " + expected + ")");

    // RFC 3339 as JSON Schema validators check it (ajv-formats): a space may separate date and time, the offset's
    // colon is optional.
    [GeneratedRegex(@"^[0-9]{4}-[0-9][0-9]-[0-9][0-9][Tt ][0-9][0-9]:[0-9][0-9]:[0-9][0-9](?:\.[0-9]+)?(?:[Zz]|[+-][0-9][0-9](?::?[0-9][0-9])?)$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339DateTimeRegex();

    [GeneratedRegex(@"^[0-9][0-9]:[0-9][0-9]:[0-9][0-9](?:\.[0-9]+)?(?:[Zz]|[+-][0-9][0-9](?::?[0-9][0-9])?)$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339TimeRegex();

    [GeneratedRegex(@"^[0-9]{4}-[0-9][0-9]-[0-9][0-9][Tt ][0-9][0-9]:[0-9][0-9]:[0-9][0-9](?:\.[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex NaiveDateTimeRegex();

    [GeneratedRegex(@"^[0-9][0-9]:[0-9][0-9]:[0-9][0-9](?:\.[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex NaiveTimeRegex();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailRegex();

    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9+.-]*:\S*$", RegexOptions.CultureInvariant)]
    private static partial Regex UriRegex();

    // At least one component, 'T' only before a time component, fractions only on the last one (seconds).
    [GeneratedRegex(@"^P(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:[.,]\d+)?S)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationRegex();
}
