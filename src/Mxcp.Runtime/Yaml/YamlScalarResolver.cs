using System.Globalization;
using System.Numerics;

namespace Mxcp.Runtime.Yaml;

/// <summary>
/// Resolves plain scalars the way PyYAML's safe loader (YAML 1.1) does, so that existing MXCP projects read the same:
/// <c>yes/no/on/off</c> are booleans, <c>~</c> and <c>null</c> are null, floats need a dot (<c>1e5</c> is a string).
/// </summary>
internal static class YamlScalarResolver
{
    public static YamlScalarKind Resolve(string value)
    {
        if (value.Length == 0)
        {
            return YamlScalarKind.Null;
        }

        switch (value)
        {
            case "~" or "null" or "Null" or "NULL":
                return YamlScalarKind.Null;
            case "true" or "True" or "TRUE" or "false" or "False" or "FALSE"
                or "yes" or "Yes" or "YES" or "no" or "No" or "NO"
                or "on" or "On" or "ON" or "off" or "Off" or "OFF":
                return YamlScalarKind.Bool;
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF" or "-.inf" or "-.Inf" or "-.INF"
                or ".nan" or ".NaN" or ".NAN":
                return YamlScalarKind.Float;
        }

        if (TryParseInt(value, out _))
        {
            return YamlScalarKind.Int;
        }

        return IsFloat(value) ? YamlScalarKind.Float : YamlScalarKind.String;
    }

    public static bool ToBool(string value) => value is "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON";

    public static bool TryParseInt(string value, out BigInteger result)
    {
        result = default;
        var s = value.Replace("_", "", StringComparison.Ordinal);
        if (s.Length == 0)
        {
            return false;
        }

        var negative = false;
        if (s[0] is '+' or '-')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s.Length == 0)
        {
            return false;
        }

        bool ok;
        if (s.StartsWith("0x", StringComparison.Ordinal) && s.Length > 2)
        {
            ok = BigInteger.TryParse("0" + s[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out result);
        }
        else if (s.StartsWith("0b", StringComparison.Ordinal) && s.Length > 2)
        {
            ok = BigInteger.TryParse(s[2..], NumberStyles.AllowBinarySpecifier, CultureInfo.InvariantCulture, out result);
        }
        else if (s.Length > 1 && s[0] == '0')
        {
            // YAML 1.1 octal (PyYAML): 0755
            ok = s.All(c => c is >= '0' and <= '7');
            if (ok)
            {
                result = BigInteger.Zero;
                foreach (var c in s)
                {
                    result = (result * 8) + (c - '0');
                }
            }
        }
        else
        {
            ok = s.All(char.IsAsciiDigit) && BigInteger.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out result);
        }

        if (ok && negative)
        {
            result = -result;
        }

        return ok;
    }

    public static double ToDouble(string value) => value switch
    {
        ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF" => double.PositiveInfinity,
        "-.inf" or "-.Inf" or "-.INF" => double.NegativeInfinity,
        ".nan" or ".NaN" or ".NAN" => double.NaN,
        _ => double.Parse(value.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    // PyYAML: [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)? | [-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
    private static bool IsFloat(string value)
    {
        var i = 0;
        if (i < value.Length && value[i] is '+' or '-')
        {
            i++;
        }

        var intDigits = 0;
        while (i < value.Length && (char.IsAsciiDigit(value[i]) || (value[i] == '_' && intDigits > 0)))
        {
            intDigits++;
            i++;
        }

        if (i >= value.Length || value[i] != '.')
        {
            return false;
        }

        i++;
        var fracDigits = 0;
        while (i < value.Length && (char.IsAsciiDigit(value[i]) || value[i] == '_'))
        {
            fracDigits++;
            i++;
        }

        if (intDigits == 0 && fracDigits == 0)
        {
            return false;
        }

        if (i == value.Length)
        {
            return true;
        }

        if (value[i] is not ('e' or 'E'))
        {
            return false;
        }

        i++;
        if (i >= value.Length || value[i] is not ('+' or '-'))
        {
            return false;
        }

        i++;
        var expDigits = 0;
        while (i < value.Length && char.IsAsciiDigit(value[i]))
        {
            expDigits++;
            i++;
        }

        return expDigits > 0 && i == value.Length;
    }
}
