using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Mxcp.Runtime.Policies.Cel;

/// <summary>
/// The standard CEL functions Mxcp offers: <c>size</c>, the string tests, <c>matches</c> and the type conversions
/// <c>int</c>, <c>uint</c>, <c>double</c>, <c>string</c>, <c>bytes</c> and <c>bool</c>.
/// </summary>
internal static class CelFunctions
{
    private const double TwoTo63 = 9223372036854775808.0;
    private const double TwoTo64 = 18446744073709551616.0;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary><c>size(x)</c>: code points of a string, bytes, list elements, map entries.</summary>
    public static CelValue Size(CelValue value) => value.Kind switch
    {
        CelKind.String => CelValue.Int(CelStrings.Size(value.AsString)),
        CelKind.Bytes => CelValue.Int(value.AsBytes.Length),
        CelKind.List => CelValue.Int(value.AsList.Count),
        CelKind.Map => CelValue.Int(value.AsMap.Count),
        _ => CelValue.Error(CelError.NoSuchOverload("size", value)),
    };

    /// <summary><c>s.contains(t)</c>.</summary>
    public static CelValue Contains(CelValue s, CelValue t) => s.Kind == CelKind.String && t.Kind == CelKind.String
        ? CelValue.Bool(s.AsString.Contains(t.AsString, StringComparison.Ordinal))
        : CelValue.Error(CelError.NoSuchOverload("contains", s, t));

    /// <summary><c>s.startsWith(t)</c>.</summary>
    public static CelValue StartsWith(CelValue s, CelValue t) => s.Kind == CelKind.String && t.Kind == CelKind.String
        ? CelValue.Bool(s.AsString.StartsWith(t.AsString, StringComparison.Ordinal))
        : CelValue.Error(CelError.NoSuchOverload("startsWith", s, t));

    /// <summary><c>s.endsWith(t)</c>.</summary>
    public static CelValue EndsWith(CelValue s, CelValue t) => s.Kind == CelKind.String && t.Kind == CelKind.String
        ? CelValue.Bool(s.AsString.EndsWith(t.AsString, StringComparison.Ordinal))
        : CelValue.Error(CelError.NoSuchOverload("endsWith", s, t));

    /// <summary><c>s.matches(re)</c> with a pattern known only at evaluation time.</summary>
    public static CelValue Matches(CelValue s, CelValue pattern)
    {
        if (s.Kind != CelKind.String || pattern.Kind != CelKind.String)
        {
            return CelValue.Error(CelError.NoSuchOverload("matches", s, pattern));
        }

        var regex = CelRegex.GetOrCreate(pattern.AsString, out var error);
        return regex is null ? CelValue.Error(error!) : Matches(s, regex);
    }

    /// <summary><c>s.matches(re)</c> with a compiled pattern.</summary>
    public static CelValue Matches(CelValue s, Regex regex)
    {
        if (s.Kind != CelKind.String)
        {
            return CelValue.Error(new CelError($"no such overload: matches({s.TypeName}, string)"));
        }

        try
        {
            return CelValue.Bool(regex.IsMatch(s.AsString));
        }
        catch (RegexMatchTimeoutException)
        {
            return CelValue.Error("regular expression match timed out");
        }
    }

    /// <summary><c>int(x)</c>.</summary>
    public static CelValue ToInt(CelValue value)
    {
        switch (value.Kind)
        {
            case CelKind.Int:
                return value;
            case CelKind.Uint:
                return value.AsUint > long.MaxValue ? CelValue.Error("int() range error: the uint value does not fit in int") : CelValue.Int((long)value.AsUint);
            case CelKind.Double:
                {
                    var d = value.AsDouble;
                    // Both bounds are exclusive, as in cel-go: -2^63 is also where out-of-range values round to.
                    if (double.IsNaN(d) || d <= -TwoTo63 || d >= TwoTo63)
                    {
                        return CelValue.Error("int() range error: the double value does not fit in int");
                    }

                    return CelValue.Int((long)d);
                }

            case CelKind.String:
                return long.TryParse(value.AsString, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)
                    ? CelValue.Int(parsed)
                    : CelValue.Error("int() conversion error: the string is not a decimal integer in range");
            default:
                return CelValue.Error(CelError.NoSuchOverload("int", value));
        }
    }

    /// <summary><c>uint(x)</c>.</summary>
    public static CelValue ToUint(CelValue value)
    {
        switch (value.Kind)
        {
            case CelKind.Uint:
                return value;
            case CelKind.Int:
                return value.AsInt < 0 ? CelValue.Error("uint() range error: negative int") : CelValue.Uint((ulong)value.AsInt);
            case CelKind.Double:
                {
                    var d = value.AsDouble;
                    if (double.IsNaN(d) || d < 0 || d >= TwoTo64)
                    {
                        return CelValue.Error("uint() range error: the double value does not fit in uint");
                    }

                    return CelValue.Uint((ulong)d);
                }

            case CelKind.String:
                return ulong.TryParse(value.AsString, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                    ? CelValue.Uint(parsed)
                    : CelValue.Error("uint() conversion error: the string is not a decimal unsigned integer in range");
            default:
                return CelValue.Error(CelError.NoSuchOverload("uint", value));
        }
    }

    /// <summary><c>double(x)</c>.</summary>
    public static CelValue ToDouble(CelValue value)
    {
        switch (value.Kind)
        {
            case CelKind.Double:
                return value;
            case CelKind.Int:
                return CelValue.Double(value.AsInt);
            case CelKind.Uint:
                return CelValue.Double(value.AsUint);
            case CelKind.String:
                return TryParseDouble(value.AsString, out var parsed)
                    ? CelValue.Double(parsed)
                    : CelValue.Error("double() conversion error: the string is not a number");
            default:
                return CelValue.Error(CelError.NoSuchOverload("double", value));
        }
    }

    private static bool TryParseDouble(string s, out double value)
    {
        var body = s.AsSpan();
        var negative = false;
        if (body.Length > 0 && body[0] is '+' or '-')
        {
            negative = body[0] == '-';
            body = body[1..];
        }

        if (body.Equals("inf", StringComparison.OrdinalIgnoreCase) || body.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }

        if (body.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            value = double.NaN;
            return true;
        }

        // Digits, one decimal point and an exponent only (no white space, no thousands separators, no hex).
        if (body.Length == 0 || body.ContainsAnyExcept("0123456789.eE+-"))
        {
            value = 0;
            return false;
        }

        return double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
            CultureInfo.InvariantCulture, out value);
    }

    /// <summary><c>string(x)</c>.</summary>
    public static CelValue ToStringValue(CelValue value)
    {
        switch (value.Kind)
        {
            case CelKind.String:
                return value;
            case CelKind.Int:
                return CelValue.String(value.AsInt.ToString(CultureInfo.InvariantCulture));
            case CelKind.Uint:
                return CelValue.String(value.AsUint.ToString(CultureInfo.InvariantCulture));
            case CelKind.Double:
                return CelValue.String(FormatDouble(value.AsDouble));
            case CelKind.Bool:
                return CelValue.String(value.AsBool ? "true" : "false");
            case CelKind.Bytes:
                try
                {
                    return CelValue.String(StrictUtf8.GetString(value.AsBytes));
                }
                catch (DecoderFallbackException)
                {
                    return CelValue.Error("string() conversion error: the bytes are not valid UTF-8");
                }

            default:
                return CelValue.Error(CelError.NoSuchOverload("string", value));
        }
    }

    /// <summary><c>bytes(x)</c>: the UTF-8 encoding of a string.</summary>
    public static CelValue ToBytes(CelValue value) => value.Kind switch
    {
        CelKind.Bytes => value,
        CelKind.String => CelValue.Bytes(Encoding.UTF8.GetBytes(value.AsString)),
        _ => CelValue.Error(CelError.NoSuchOverload("bytes", value)),
    };

    /// <summary><c>bool(x)</c>: <c>1 t true TRUE True</c> and <c>0 f false FALSE False</c> for strings.</summary>
    public static CelValue ToBool(CelValue value)
    {
        switch (value.Kind)
        {
            case CelKind.Bool:
                return value;
            case CelKind.String:
                switch (value.AsString)
                {
                    case "1" or "t" or "true" or "TRUE" or "True":
                        return CelValue.True;
                    case "0" or "f" or "false" or "FALSE" or "False":
                        return CelValue.False;
                    default:
                        return CelValue.Error("bool() conversion error: the string is not a boolean");
                }

            default:
                return CelValue.Error(CelError.NoSuchOverload("bool", value));
        }
    }

    /// <summary>
    /// Formats a double as Go's <c>%g</c> does (cel-go uses it for <c>string(double)</c>): the shortest digits that
    /// round-trip, in exponent form (<c>1e+06</c>) when the decimal exponent is below -4 or at least 6.
    /// </summary>
    public static string FormatDouble(double d)
    {
        if (double.IsNaN(d))
        {
            return "NaN";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "+Inf" : "-Inf";
        }

        if (d == 0)
        {
            return double.IsNegative(d) ? "-0" : "0";
        }

        var roundTrip = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        var exponentAt = roundTrip.IndexOf('E', StringComparison.Ordinal);
        var mantissa = exponentAt < 0 ? roundTrip : roundTrip[..exponentAt];
        var exponent = exponentAt < 0 ? 0 : int.Parse(roundTrip.AsSpan(exponentAt + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var point = mantissa.IndexOf('.', StringComparison.Ordinal);
        var digits = point < 0 ? mantissa : mantissa.Remove(point, 1);
        var decimalPoint = (point < 0 ? mantissa.Length : point) + exponent;
        var leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        decimalPoint -= leadingZeros;

        var builder = new StringBuilder();
        if (d < 0)
        {
            builder.Append('-');
        }

        var x = decimalPoint - 1;
        if (x < -4 || x >= 6)
        {
            builder.Append(digits[0]);
            if (digits.Length > 1)
            {
                builder.Append('.').Append(digits, 1, digits.Length - 1);
            }

            builder.Append('e').Append(x < 0 ? '-' : '+');
            var magnitude = Math.Abs(x);
            if (magnitude < 10)
            {
                builder.Append('0');
            }

            builder.Append(magnitude.ToString(CultureInfo.InvariantCulture));
        }
        else if (decimalPoint <= 0)
        {
            builder.Append("0.").Append('0', -decimalPoint).Append(digits);
        }
        else if (decimalPoint >= digits.Length)
        {
            builder.Append(digits).Append('0', decimalPoint - digits.Length);
        }
        else
        {
            builder.Append(digits, 0, decimalPoint).Append('.').Append(digits, decimalPoint, digits.Length - decimalPoint);
        }

        return builder.ToString();
    }
}
