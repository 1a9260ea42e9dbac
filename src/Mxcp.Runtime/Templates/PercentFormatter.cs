using System.Globalization;
using System.Text;

namespace Mxcp.Runtime.Templates;

/// <summary>
/// Python's printf-style string formatting (<c>"%.2f" % x</c> and the <c>format</c> filter): flags <c>-+ #0</c>,
/// width, precision, <c>%(key)s</c> with a mapping, and the conversions <c>s r a d i u x X o e E f F g G c %</c>.
/// </summary>
internal static class PercentFormatter
{
    private static readonly object NoValue = new();

    public static string Format(string format, object? args)
    {
        var tuple = args as TemplateTuple;

        // Python lets a mapping (or any subscriptable non-tuple) go unused without complaint.
        var mapping = tuple is null && !PythonOps.IsString(args, out _) &&
            (PythonOps.IsMapping(args) || args is IReadOnlyList<object?>) ? args : null;
        var state = new ArgumentState(args, tuple);
        var sb = new StringBuilder(format.Length + 16);
        var i = 0;
        while (i < format.Length)
        {
            var percent = format.IndexOf('%', i);
            if (percent < 0)
            {
                sb.Append(format, i, format.Length - i);
                break;
            }

            sb.Append(format, i, percent - i);
            i = percent + 1;
            if (i >= format.Length)
            {
                throw new TemplateEvaluationException("incomplete format");
            }

            var keyed = NoValue;
            if (format[i] == '(')
            {
                if (mapping is null || !PythonOps.IsMapping(mapping))
                {
                    throw new TemplateEvaluationException("format requires a mapping");
                }

                var depth = 1;
                var start = ++i;
                while (i < format.Length && depth > 0)
                {
                    depth += format[i] switch { '(' => 1, ')' => -1, _ => 0 };
                    i++;
                }

                if (depth > 0)
                {
                    throw new TemplateEvaluationException("incomplete format key");
                }

                var key = format[start..(i - 1)];
                if (!PythonOps.TryGetMappingValue(mapping, key, out var found))
                {
                    throw new TemplateEvaluationException($"format key '{key}' is not in the mapping");
                }

                keyed = found;
                state.UseMapping();
            }

            var spec = new Spec();
            for (; i < format.Length; i++)
            {
                var flag = format[i];
                if (flag == '-')
                {
                    spec.Left = true;
                }
                else if (flag == '+')
                {
                    spec.Plus = true;
                }
                else if (flag == ' ')
                {
                    spec.Space = true;
                }
                else if (flag == '#')
                {
                    spec.Alternate = true;
                }
                else if (flag == '0')
                {
                    spec.Zero = true;
                }
                else
                {
                    break;
                }
            }

            if (i < format.Length && format[i] == '*')
            {
                spec.Width = state.NextInteger("* wants int");
                if (spec.Width < 0)
                {
                    spec.Left = true;
                    spec.Width = -spec.Width;
                }

                i++;
            }
            else
            {
                spec.Width = ReadNumber(format, ref i);
            }

            if (i < format.Length && format[i] == '.')
            {
                i++;
                if (i < format.Length && format[i] == '*')
                {
                    spec.Precision = Math.Max(0, state.NextInteger("* wants int"));
                    i++;
                }
                else
                {
                    spec.Precision = Math.Max(0, ReadNumber(format, ref i));
                }
            }

            while (i < format.Length && format[i] is 'h' or 'l' or 'L')
            {
                i++;
            }

            if (i >= format.Length)
            {
                throw new TemplateEvaluationException("incomplete format");
            }

            var conversion = format[i++];
            if (conversion == '%')
            {
                sb.Append('%');
                continue;
            }

            var arg = ReferenceEquals(keyed, NoValue) ? state.Next() : keyed;
            AppendConversion(sb, conversion, arg, spec, i - 1);
        }

        if (mapping is null)
        {
            state.EnsureAllUsed();
        }

        return sb.ToString();
    }

    private static int ReadNumber(string format, ref int i)
    {
        if (i >= format.Length || !char.IsAsciiDigit(format[i]))
        {
            return -1;
        }

        var value = 0;
        while (i < format.Length && char.IsAsciiDigit(format[i]))
        {
            value = Math.Min((value * 10) + (format[i] - '0'), PythonOps.MaxRepeatLength);
            i++;
        }

        return value;
    }

    private static void AppendConversion(StringBuilder sb, char conversion, object? arg, Spec spec, int index)
    {
        switch (conversion)
        {
            case 's' or 'r' or 'a':
                var text = conversion switch
                {
                    's' => PythonText.Str(arg),
                    'r' => PythonText.Repr(arg),
                    _ => AsciiOnly(PythonText.Repr(arg)),
                };
                if (spec.Precision >= 0)
                {
                    text = PythonText.Prefix(text, spec.Precision);
                }

                Pad(sb, string.Empty, text, spec.Width, spec.Left, zero: false);
                break;
            case 'd' or 'i' or 'u' or 'x' or 'X' or 'o':
                AppendInteger(sb, conversion, IntegerArgument(arg, conversion), spec);
                break;
            case 'e' or 'E' or 'f' or 'F' or 'g' or 'G':
                if (arg is UndefinedValue undefined)
                {
                    throw undefined.Error();
                }

                if (!PythonOps.TryGetDouble(arg, out var number))
                {
                    throw new TemplateEvaluationException($"must be real number, not {PythonOps.TypeName(arg)}");
                }

                AppendFloat(sb, conversion, number, spec);
                break;
            case 'c':
                string character;
                if (PythonOps.IsInteger(arg, out var code))
                {
                    character = code is >= 0 and <= 0x10FFFF
                        ? code is >= 0xD800 and <= 0xDFFF ? ((char)code).ToString() : char.ConvertFromUtf32((int)code)
                        : throw new TemplateEvaluationException("%c arg not in range(0x110000)");
                }
                else if (PythonOps.IsString(arg, out var single) && PythonText.CodePointLength(single) == 1)
                {
                    character = single;
                }
                else
                {
                    throw new TemplateEvaluationException("%c requires an int or a unicode character");
                }

                Pad(sb, string.Empty, character, spec.Width, spec.Left, zero: false);
                break;
            default:
                throw new TemplateEvaluationException(
                    $"unsupported format character '{conversion}' (0x{(int)conversion:x}) at index {index}");
        }
    }

    private static long IntegerArgument(object? arg, char conversion)
    {
        if (arg is UndefinedValue undefined)
        {
            throw undefined.Error();
        }

        if (PythonOps.IsInteger(arg, out var integer))
        {
            return integer;
        }

        if (arg is double d && conversion is 'd' or 'i' or 'u')
        {
            if (double.IsNaN(d))
            {
                throw new TemplateEvaluationException("cannot convert float NaN to integer");
            }

            var truncated = Math.Truncate(d);
            if (double.IsInfinity(d) || truncated >= 9.223372036854775807e18 || truncated < -9.223372036854775808e18)
            {
                throw new TemplateEvaluationException(double.IsInfinity(d)
                    ? "cannot convert float infinity to integer"
                    : "integer overflow: the value does not fit in 64 bits");
            }

            return (long)truncated;
        }

        throw new TemplateEvaluationException(conversion is 'd' or 'i' or 'u'
            ? $"%{conversion} format: a real number is required, not {PythonOps.TypeName(arg)}"
            : $"%{conversion} format: an integer is required, not {PythonOps.TypeName(arg)}");
    }

    private static void AppendInteger(StringBuilder sb, char conversion, long value, Spec spec)
    {
        var negative = value < 0;
        var magnitude = negative ? (ulong)(-(value + 1)) + 1 : (ulong)value;
        var digits = conversion switch
        {
            'x' => magnitude.ToString("x", CultureInfo.InvariantCulture),
            'X' => magnitude.ToString("X", CultureInfo.InvariantCulture),
            'o' => ToOctal(magnitude),
            _ => magnitude.ToString(CultureInfo.InvariantCulture),
        };
        if (spec.Precision > digits.Length)
        {
            digits = new string('0', spec.Precision - digits.Length) + digits;
        }

        var prefix = Sign(negative, spec) + (spec.Alternate
            ? conversion switch { 'x' => "0x", 'X' => "0X", 'o' => "0o", _ => string.Empty }
            : string.Empty);
        Pad(sb, prefix, digits, spec.Width, spec.Left, spec.Zero);
    }

    private static string ToOctal(ulong value)
    {
        if (value == 0)
        {
            return "0";
        }

        var chars = new Stack<char>();
        while (value > 0)
        {
            chars.Push((char)('0' + (int)(value % 8)));
            value /= 8;
        }

        return new string([.. chars]);
    }

    private static void AppendFloat(StringBuilder sb, char conversion, double value, Spec spec)
    {
        var upper = char.IsUpper(conversion);
        var negative = value < 0 || (value == 0 && double.IsNegative(value));
        var magnitude = Math.Abs(value);
        if (!double.IsFinite(value))
        {
            var word = double.IsNaN(value) ? "nan" : "inf";
            Pad(sb, Sign(negative && !double.IsNaN(value), spec), upper ? word.ToUpperInvariant() : word, spec.Width, spec.Left, spec.Zero);
            return;
        }

        var precision = spec.Precision < 0 ? 6 : spec.Precision;
        string body;
        switch (char.ToLowerInvariant(conversion))
        {
            case 'f':
                body = PythonFloat.FormatFixed(magnitude, precision);
                if (spec.Alternate && precision == 0)
                {
                    body += ".";
                }

                break;
            case 'e':
                body = Exponential(magnitude, precision, spec.Alternate);
                break;
            default:
                var significant = precision == 0 ? 1 : precision;
                var exponent = magnitude == 0 ? 0 : PythonFloat.FormatSignificant(magnitude, significant).Exponent;
                if (exponent >= -4 && exponent < significant)
                {
                    body = PythonFloat.FormatFixed(magnitude, significant - 1 - exponent);
                }
                else
                {
                    body = Exponential(magnitude, significant - 1, spec.Alternate);
                }

                body = spec.Alternate ? EnsurePoint(body) : StripZeros(body);
                break;
        }

        Pad(sb, Sign(negative, spec), upper ? body.ToUpperInvariant() : body, spec.Width, spec.Left, spec.Zero);
    }

    private static string Exponential(double magnitude, int decimals, bool alternate)
    {
        var (digits, exponent) = magnitude == 0 ? (new string('0', decimals + 1), 0) : PythonFloat.FormatSignificant(magnitude, decimals + 1);
        var sb = new StringBuilder();
        sb.Append(digits[0]);
        if (decimals > 0 || alternate)
        {
            sb.Append('.').Append(digits, 1, digits.Length - 1);
        }

        PythonFloat.AppendExponent(sb, exponent);
        return sb.ToString();
    }

    private static string StripZeros(string body)
    {
        var e = body.IndexOf('e', StringComparison.Ordinal);
        var mantissa = e < 0 ? body : body[..e];
        var exponent = e < 0 ? string.Empty : body[e..];
        if (mantissa.Contains('.', StringComparison.Ordinal))
        {
            mantissa = mantissa.TrimEnd('0').TrimEnd('.');
        }

        return mantissa + exponent;
    }

    private static string EnsurePoint(string body)
    {
        if (body.Contains('.', StringComparison.Ordinal))
        {
            return body;
        }

        var e = body.IndexOf('e', StringComparison.Ordinal);
        return e < 0 ? body + "." : body.Insert(e, ".");
    }

    private static string Sign(bool negative, Spec spec) =>
        negative ? "-" : spec.Plus ? "+" : spec.Space ? " " : string.Empty;

    private static void Pad(StringBuilder sb, string prefix, string body, int width, bool left, bool zero)
    {
        var length = prefix.Length + PythonText.CodePointLength(body);
        var fill = width - length;
        if (fill <= 0)
        {
            sb.Append(prefix).Append(body);
        }
        else if (left)
        {
            sb.Append(prefix).Append(body).Append(' ', fill);
        }
        else if (zero)
        {
            sb.Append(prefix).Append('0', fill).Append(body);
        }
        else
        {
            sb.Append(' ', fill).Append(prefix).Append(body);
        }
    }

    private static string AsciiOnly(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            int c = text[i];
            if (c < 0x80)
            {
                sb.Append((char)c);
                continue;
            }

            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                c = char.ConvertToUtf32(text[i], text[++i]);
            }

            sb.Append(c switch
            {
                <= 0xFF => $"\\x{c:x2}",
                <= 0xFFFF => $"\\u{c:x4}",
                _ => $"\\U{c:x8}",
            });
        }

        return sb.ToString();
    }

    private sealed class Spec
    {
        public bool Left { get; set; }

        public bool Plus { get; set; }

        public bool Space { get; set; }

        public bool Alternate { get; set; }

        public bool Zero { get; set; }

        public int Width { get; set; } = -1;

        public int Precision { get; set; } = -1;
    }

    private sealed class ArgumentState(object? args, TemplateTuple? tuple)
    {
        private int _index;
        private bool _singleUsed;
        private bool _mapping;

        public void UseMapping() => _mapping = true;

        public object? Next()
        {
            if (_mapping)
            {
                return args;
            }

            if (tuple is not null)
            {
                return _index < tuple.Count
                    ? ValueNormalizer.Normalize(tuple[_index++])
                    : throw new TemplateEvaluationException("not enough arguments for format string");
            }

            if (_singleUsed)
            {
                throw new TemplateEvaluationException("not enough arguments for format string");
            }

            _singleUsed = true;
            return args;
        }

        public int NextInteger(string message)
        {
            var value = Next();
            return PythonOps.IsInteger(value, out var integer)
                ? (int)Math.Clamp(integer, -PythonOps.MaxRepeatLength, PythonOps.MaxRepeatLength)
                : throw new TemplateEvaluationException(message);
        }

        public void EnsureAllUsed()
        {
            var unused = tuple is not null ? _index < tuple.Count : !_singleUsed && !_mapping;
            if (unused)
            {
                throw new TemplateEvaluationException("not all arguments converted during string formatting");
            }
        }
    }
}
