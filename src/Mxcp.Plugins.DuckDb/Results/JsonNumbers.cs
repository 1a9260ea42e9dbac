using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mxcp.Plugins.DuckDb.Results;

/// <summary>
/// JSON numbers that keep every digit. Values that fit a CLR number become that number (so <c>GetValue&lt;long&gt;()</c>
/// and friends work); wider ones are written from their exact decimal text.
/// </summary>
internal static class JsonNumbers
{
    private static readonly Int128 DecimalLimit = (Int128)1 << 96;

    public static JsonValue Integer(Int128 value)
    {
        if (value >= long.MinValue && value <= long.MaxValue)
        {
            return JsonValue.Create((long)value);
        }

        return value > -DecimalLimit && value < DecimalLimit
            ? JsonValue.Create(ToDecimal(value, 0))
            : FromText(value.ToString(CultureInfo.InvariantCulture));
    }

    public static JsonValue Integer(UInt128 value) =>
        value <= ulong.MaxValue
            ? JsonValue.Create((ulong)value)
            : value < (UInt128)DecimalLimit
                ? JsonValue.Create(ToDecimal((Int128)value, 0))
                : FromText(value.ToString(CultureInfo.InvariantCulture));

    public static JsonValue Integer(BigInteger value) =>
        value >= long.MinValue && value <= long.MaxValue
            ? JsonValue.Create((long)value)
            : FromText(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>The exact value <paramref name="unscaled"/> × 10^-<paramref name="scale"/>, written with <paramref name="scale"/> decimals.</summary>
    public static JsonValue Decimal(Int128 unscaled, int scale)
    {
        if (scale <= 28 && unscaled > -DecimalLimit && unscaled < DecimalLimit)
        {
            return JsonValue.Create(ToDecimal(unscaled, (byte)scale));
        }

        var digits = Int128.Abs(unscaled).ToString(CultureInfo.InvariantCulture).PadLeft(scale + 1, '0');
        var text = scale == 0 ? digits : digits[..^scale] + "." + digits[^scale..];
        return FromText(unscaled < 0 ? "-" + text : text);
    }

    private static decimal ToDecimal(Int128 value, byte scale)
    {
        var magnitude = (UInt128)Int128.Abs(value);
        var lo = (int)(uint)magnitude;
        var mid = (int)(uint)(magnitude >> 32);
        var hi = (int)(uint)(magnitude >> 64);
        return new decimal(lo, mid, hi, value < 0, scale);
    }

    private static JsonValue FromText(string number)
    {
        using var document = JsonDocument.Parse(number);
        return JsonValue.Create(document.RootElement.Clone())!;
    }
}
