using System.Globalization;

namespace Mxcp.Runtime.Templates;

/// <summary>The string syntax Python's <c>int(s, base)</c> and <c>float(s)</c> accept, used by the <c>int</c> and <c>float</c> filters.</summary>
internal static class NumberParsing
{
    public static bool TryParseFloat(string text, out double value)
    {
        value = 0;
        var s = PythonText.Strip(text, null);
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

        var i = 0;
        var integerDigits = ScanDigits(body, ref i);
        var fractionDigits = 0;
        if (i < body.Length && body[i] == '.')
        {
            i++;
            fractionDigits = ScanDigits(body, ref i);
            if (fractionDigits < 0)
            {
                return false;
            }
        }

        if (integerDigits < 0 || (integerDigits == 0 && fractionDigits == 0))
        {
            return false;
        }

        if (i < body.Length && body[i] is 'e' or 'E')
        {
            i++;
            if (i < body.Length && body[i] is '+' or '-')
            {
                i++;
            }

            if (ScanDigits(body, ref i) <= 0)
            {
                return false;
            }
        }

        if (i != body.Length)
        {
            return false;
        }

        value = double.Parse(s.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture);
        return true;
    }

    // digit (_? digit)*; returns the number of digits, 0 when there are none, -1 for a misplaced underscore.
    private static int ScanDigits(ReadOnlySpan<char> s, ref int i)
    {
        var count = 0;
        while (i < s.Length)
        {
            if (char.IsAsciiDigit(s[i]))
            {
                count++;
                i++;
            }
            else if (s[i] == '_' && count > 0 && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1]))
            {
                i++;
            }
            else if (s[i] == '_')
            {
                return -1;
            }
            else
            {
                break;
            }
        }

        return count;
    }

    public static bool TryParseInteger(string text, int radix, out long value)
    {
        value = 0;
        var body = PythonText.Strip(text, null).AsSpan();
        var negative = false;
        if (body.Length > 0 && body[0] is '+' or '-')
        {
            negative = body[0] == '-';
            body = body[1..];
        }

        var prefixed = false;
        if (body.Length >= 2 && body[0] == '0')
        {
            var prefixRadix = char.ToLowerInvariant(body[1]) switch { 'x' => 16, 'o' => 8, 'b' => 2, _ => 0 };
            if (prefixRadix != 0 && (radix == 0 || radix == prefixRadix))
            {
                radix = prefixRadix;
                body = body[2..];
                prefixed = true;
            }
        }

        if (radix == 0)
        {
            // Without a prefix, base 0 means decimal, and a leading zero is only allowed for zero itself.
            radix = 10;
            if (body.Length > 1 && body[0] == '0' && body.TrimStart("0_").Length > 0)
            {
                return false;
            }
        }

        if (prefixed && body.Length > 0 && body[0] == '_')
        {
            body = body[1..];
        }

        if (body.Length == 0)
        {
            return false;
        }

        System.Numerics.BigInteger number = 0;
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (c == '_')
            {
                if (i == 0 || i + 1 >= body.Length || body[i + 1] == '_')
                {
                    return false;
                }

                continue;
            }

            var digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetter(c) ? char.ToLowerInvariant(c) - 'a' + 10 : 99;
            if (digit >= radix)
            {
                return false;
            }

            number = (number * radix) + digit;
        }

        if (negative)
        {
            number = -number;
        }

        if (number > long.MaxValue || number < long.MinValue)
        {
            throw new TemplateEvaluationException("integer overflow: the value does not fit in 64 bits");
        }

        value = (long)number;
        return true;
    }
}
