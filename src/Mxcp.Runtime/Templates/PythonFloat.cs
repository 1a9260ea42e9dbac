using System.Globalization;
using System.Numerics;
using System.Text;

namespace Mxcp.Runtime.Templates;

/// <summary>
/// Python's float text: <c>repr()</c> (shortest round-trip digits, exponent form below 1e-4 and from 1e16 on) and
/// correctly rounded fixed and exponent forms computed from the exact binary value, rounding half to even as
/// Python's <c>round()</c> and <c>%</c> formatting do.
/// </summary>
internal static class PythonFloat
{
    public static string Repr(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        if (value == 0)
        {
            return double.IsNegative(value) ? "-0.0" : "0.0";
        }

        var sb = new StringBuilder(24);
        if (value < 0)
        {
            sb.Append('-');
            value = -value;
        }

        var (digits, point) = ShortestDigits(value);
        if (point is <= -4 or > 16)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1)
            {
                sb.Append('.').Append(digits, 1, digits.Length - 1);
            }

            AppendExponent(sb, point - 1);
        }
        else if (point <= 0)
        {
            sb.Append("0.").Append('0', -point).Append(digits);
        }
        else if (point >= digits.Length)
        {
            sb.Append(digits).Append('0', point - digits.Length).Append(".0");
        }
        else
        {
            sb.Append(digits, 0, point).Append('.').Append(digits, point, digits.Length - point);
        }

        return sb.ToString();
    }

    public static void AppendExponent(StringBuilder sb, int exponent)
    {
        sb.Append('e').Append(exponent < 0 ? '-' : '+');
        var magnitude = Math.Abs(exponent);
        if (magnitude < 10)
        {
            sb.Append('0');
        }

        sb.Append(magnitude.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The shortest digits that round-trip, and the decimal point position: value = 0.DIGITS × 10^point.</summary>
    private static (string Digits, int Point) ShortestDigits(double positive)
    {
        var text = positive.ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var e = text.IndexOfAny(['E', 'e']);
        var mantissa = text;
        if (e >= 0)
        {
            exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            mantissa = text[..e];
        }

        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var integerPart = dot < 0 ? mantissa : mantissa[..dot];
        var digits = dot < 0 ? mantissa : integerPart + mantissa[(dot + 1)..];
        var point = integerPart.Length + exponent;
        var lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0')
        {
            lead++;
        }

        digits = digits[lead..].TrimEnd('0');
        return (digits.Length == 0 ? "0" : digits, point - lead);
    }

    /// <summary><paramref name="positive"/> × 10^<paramref name="scale"/>, rounded half to even to an integer, exactly.</summary>
    public static BigInteger ScaleAndRound(double positive, int scale)
    {
        var bits = BitConverter.DoubleToInt64Bits(positive);
        var exponent = (int)((bits >> 52) & 0x7FF);
        var mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0)
        {
            exponent = 1;
        }
        else
        {
            mantissa |= 1L << 52;
        }

        exponent -= 1075;
        BigInteger numerator = mantissa;
        var denominator = BigInteger.One;
        if (exponent > 0)
        {
            numerator <<= exponent;
        }
        else
        {
            denominator <<= -exponent;
        }

        if (scale > 0)
        {
            numerator *= BigInteger.Pow(10, scale);
        }
        else if (scale < 0)
        {
            denominator *= BigInteger.Pow(10, -scale);
        }

        var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        var comparison = (remainder * 2).CompareTo(denominator);
        if (comparison > 0 || (comparison == 0 && !quotient.IsEven))
        {
            quotient += 1;
        }

        return quotient;
    }

    /// <summary>Python's <c>round(x, ndigits)</c> for a float.</summary>
    public static double Round(double value, long digits)
    {
        if (!double.IsFinite(value) || value == 0)
        {
            return value;
        }

        if (digits > 323)
        {
            return value;
        }

        if (digits < -308)
        {
            return 0.0 * value;
        }

        var scaled = ScaleAndRound(Math.Abs(value), (int)digits);
        var result = double.Parse(
            scaled.ToString(CultureInfo.InvariantCulture) + "E" + (-digits).ToString(CultureInfo.InvariantCulture),
            NumberStyles.Float,
            CultureInfo.InvariantCulture);
        if (double.IsInfinity(result))
        {
            throw new TemplateEvaluationException("rounded value too large to represent");
        }

        return value < 0 ? -result : result;
    }

    /// <summary>The digits of a finite non-negative value with <paramref name="decimals"/> digits after the point.</summary>
    public static string FormatFixed(double positive, int decimals)
    {
        var digits = ScaleAndRound(positive, decimals).ToString(CultureInfo.InvariantCulture);
        if (decimals == 0)
        {
            return digits;
        }

        if (digits.Length <= decimals)
        {
            digits = new string('0', decimals - digits.Length + 1) + digits;
        }

        return string.Concat(digits.AsSpan(0, digits.Length - decimals), ".", digits.AsSpan(digits.Length - decimals));
    }

    /// <summary>
    /// A finite positive value rounded to <paramref name="significant"/> digits: the digits and the decimal exponent
    /// of the first one (value ≈ d.ddd × 10^exponent).
    /// </summary>
    public static (string Digits, int Exponent) FormatSignificant(double positive, int significant)
    {
        var exponent = (int)Math.Floor(Math.Log10(positive));
        var upper = BigInteger.Pow(10, significant);
        var lower = BigInteger.Pow(10, significant - 1);
        var scaled = ScaleAndRound(positive, significant - 1 - exponent);
        if (scaled >= upper)
        {
            exponent++;
            scaled = ScaleAndRound(positive, significant - 1 - exponent);
        }
        else if (scaled < lower)
        {
            exponent--;
            scaled = ScaleAndRound(positive, significant - 1 - exponent);
            if (scaled >= upper)
            {
                exponent++;
                scaled = ScaleAndRound(positive, significant - 1 - exponent);
            }
        }

        return (scaled.ToString(CultureInfo.InvariantCulture), exponent);
    }
}
