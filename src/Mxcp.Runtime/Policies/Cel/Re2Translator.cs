using System.Globalization;
using System.Text;

namespace Mxcp.Runtime.Policies.Cel;

/// <summary>
/// Translates an RE2 pattern (the syntax CEL's <c>matches</c> uses) into an equivalent .NET pattern for
/// <see cref="System.Text.RegularExpressions.RegexOptions.NonBacktracking"/>, which like RE2 runs in linear time.
/// </summary>
/// <remarks>
/// Differences it takes care of: RE2 works on code points (so <c>.</c> and classes match a whole surrogate pair),
/// <c>\d \s \w</c> and POSIX classes are ASCII-only, <c>$</c> without <c>(?m)</c> matches only at the very end,
/// <c>(?s)</c>, <c>(?m)</c> and <c>(?U)</c> change how <c>.</c>, <c>^ $</c> and repetitions translate.
/// Rejected as not RE2: backreferences, lookaround, atomic groups, possessive and doubled repetitions.
/// Rejected as unsupported: <c>\C</c>, Unicode script classes (<c>\p{Greek}</c>; general categories such as
/// <c>\p{L}</c> work but see only the Basic Multilingual Plane).
/// </remarks>
internal sealed class Re2Translator
{
    private const int MaxRepeat = 1000;
    private const int MaxCodePoint = 0x10FFFF;

    private static readonly HashSet<string> GeneralCategories = new(StringComparer.Ordinal)
    {
        "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Ps", "Pe",
        "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp", "C", "Cc", "Cf", "Cs", "Co", "Cn",
    };

    private static readonly (int Lo, int Hi)[] Digit = [('0', '9')];
    private static readonly (int Lo, int Hi)[] Space = [('\t', '\n'), ('\f', '\r'), (' ', ' ')];
    private static readonly (int Lo, int Hi)[] Word = [('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];

    private readonly string _pattern;
    private readonly StringBuilder _out = new();
    private int _position;
    private bool _caseInsensitive;
    private bool _multiline;
    private bool _dotAll;
    private bool _ungreedy;
    private int _depth;

    private Re2Translator(string pattern)
    {
        _pattern = pattern;
    }

    /// <summary>Translates <paramref name="pattern"/>, or explains why it cannot be used.</summary>
    public static bool TryTranslate(string pattern, out string translated, out string? error)
    {
        var translator = new Re2Translator(pattern);
        try
        {
            translator.ParseAlternation();
            if (translator._position < pattern.Length)
            {
                throw new FormatException("unexpected ')' (no group to close)");
            }

            translated = translator._out.ToString();
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            translated = "";
            error = e.Message;
            return false;
        }
    }

    private bool AtEnd => _position >= _pattern.Length;

    private char Current => _pattern[_position];

    private static FormatException Error(string message) => new(message);

    private void ParseAlternation()
    {
        if (++_depth > 100)
        {
            throw Error("regular expression nested too deeply");
        }

        ParseConcatenation();
        while (!AtEnd && Current == '|')
        {
            _position++;
            _out.Append('|');
            ParseConcatenation();
        }

        _depth--;
    }

    private void ParseConcatenation()
    {
        while (!AtEnd && Current != '|' && Current != ')')
        {
            ParseRepetition();
        }
    }

    private void ParseRepetition()
    {
        if (Current is '*' or '+' or '?' || (Current == '{' && TryReadRepeat(out _, out _, out _, consume: false)))
        {
            throw Error("missing argument to repetition operator");
        }

        var start = _out.Length;
        if (!ParseAtom())
        {
            if (!AtEnd && IsRepetitionAhead())
            {
                throw Error("missing argument to repetition operator");
            }

            return;
        }

        if (AtEnd || !TryReadQuantifier(out var quantifier))
        {
            return;
        }

        var atom = _out.ToString(start, _out.Length - start);
        _out.Length = start;
        _out.Append("(?:").Append(atom).Append(')').Append(quantifier);
        if (!AtEnd && IsRepetitionAhead())
        {
            throw Error("bad repetition operator (repeated or possessive repetition is not RE2 syntax)");
        }
    }

    private bool IsRepetitionAhead() =>
        Current is '*' or '+' or '?' || (Current == '{' && TryReadRepeat(out _, out _, out _, consume: false));

    private bool TryReadQuantifier(out string quantifier)
    {
        string core;
        switch (Current)
        {
            case '*':
            case '+':
            case '?':
                core = Current.ToString();
                _position++;
                break;
            case '{':
                if (!TryReadRepeat(out var min, out var max, out var hasComma, consume: true))
                {
                    quantifier = "";
                    return false;
                }

                if (min > MaxRepeat || max > MaxRepeat)
                {
                    throw Error($"bad repetition operator (counts above {MaxRepeat} are not allowed)");
                }

                if (max >= 0 && max < min)
                {
                    throw Error("bad repetition operator (maximum below minimum)");
                }

                core = hasComma
                    ? max < 0 ? $"{{{min},}}" : $"{{{min},{max}}}"
                    : $"{{{min}}}";
                break;
            default:
                quantifier = "";
                return false;
        }

        var lazy = false;
        if (!AtEnd && Current == '?')
        {
            lazy = true;
            _position++;
        }

        quantifier = lazy != _ungreedy ? core + "?" : core;
        return true;
    }

    private bool TryReadRepeat(out int min, out int max, out bool hasComma, bool consume)
    {
        min = 0;
        max = -1;
        hasComma = false;
        var i = _position + 1;
        var minStart = i;
        while (i < _pattern.Length && char.IsAsciiDigit(_pattern[i]))
        {
            i++;
        }

        if (i == minStart || !int.TryParse(_pattern.AsSpan(minStart, i - minStart), NumberStyles.None, CultureInfo.InvariantCulture, out min))
        {
            return false;
        }

        if (i < _pattern.Length && _pattern[i] == ',')
        {
            hasComma = true;
            i++;
            var maxStart = i;
            while (i < _pattern.Length && char.IsAsciiDigit(_pattern[i]))
            {
                i++;
            }

            if (i > maxStart && !int.TryParse(_pattern.AsSpan(maxStart, i - maxStart), NumberStyles.None, CultureInfo.InvariantCulture, out max))
            {
                return false;
            }
        }

        if (i >= _pattern.Length || _pattern[i] != '}')
        {
            return false;
        }

        if (consume)
        {
            _position = i + 1;
        }

        return true;
    }

    /// <summary>Parses one atom and emits it. Returns false for a flag group such as <c>(?i)</c>, which cannot be repeated.</summary>
    private bool ParseAtom()
    {
        var c = Current;
        switch (c)
        {
            case '(':
                return ParseGroup();
            case '[':
                _position++;
                ParseClass();
                return true;
            case '.':
                _position++;
                var any = new List<(int, int)> { (0, MaxCodePoint) };
                if (!_dotAll)
                {
                    any = Subtract(any, [('\n', '\n')]);
                }

                EmitSet(any, [], negated: false);
                return true;
            case '^':
                _position++;
                _out.Append(_multiline ? "(?m:^)" : "^");
                return true;
            case '$':
                _position++;
                _out.Append(_multiline ? "(?m:$)" : "\\z");
                return true;
            case '\\':
                ParseEscape();
                return true;
            default:
                EmitLiteral(ReadCodePoint());
                return true;
        }
    }

    private int ReadCodePoint()
    {
        if (char.IsHighSurrogate(Current) && _position + 1 < _pattern.Length && char.IsLowSurrogate(_pattern[_position + 1]))
        {
            var cp = char.ConvertToUtf32(Current, _pattern[_position + 1]);
            _position += 2;
            return cp;
        }

        return _pattern[_position++];
    }

    private bool ParseGroup()
    {
        _position++;
        var saved = (_caseInsensitive, _multiline, _dotAll, _ungreedy);
        if (!AtEnd && Current == '?')
        {
            _position++;
            if (AtEnd)
            {
                throw Error("missing closing )");
            }

            switch (Current)
            {
                case '=':
                case '!':
                    throw Error("lookahead ((?= and (?!) is not RE2 syntax");
                case '>':
                    throw Error("atomic groups ((?>) are not RE2 syntax");
                case '#':
                    throw Error("comments ((?#) are not RE2 syntax");
                case '(':
                    throw Error("conditionals are not RE2 syntax");
                case 'P' when _position + 1 < _pattern.Length && _pattern[_position + 1] == '<':
                    _position += 2;
                    EmitNamedGroupStart();
                    break;
                case 'P':
                    throw Error("named backreferences ((?P=name)) are not supported by RE2");
                case '<' when _position + 1 < _pattern.Length && _pattern[_position + 1] is '=' or '!':
                    throw Error("lookbehind ((?<= and (?<!) is not RE2 syntax");
                case '<':
                    _position++;
                    EmitNamedGroupStart();
                    break;
                default:
                    if (ParseFlags())
                    {
                        // (?flags) applies to the rest of the enclosing group.
                        return false;
                    }

                    break;
            }
        }
        else
        {
            _out.Append('(');
        }

        ParseAlternation();
        if (AtEnd || Current != ')')
        {
            throw Error("missing closing )");
        }

        _position++;
        _out.Append(')');
        (_caseInsensitive, _multiline, _dotAll, _ungreedy) = saved;
        return true;
    }

    private void EmitNamedGroupStart()
    {
        var start = _position;
        while (!AtEnd && (char.IsAsciiLetterOrDigit(Current) || Current == '_'))
        {
            _position++;
        }

        if (_position == start || AtEnd || Current != '>' || char.IsAsciiDigit(_pattern[start]))
        {
            throw Error("invalid named capture group");
        }

        var name = _pattern[start.._position];
        _position++;
        _out.Append("(?<").Append(name).Append('>');
    }

    /// <summary>Parses <c>flags)</c> or <c>flags:</c> after <c>(?</c>. Returns true for the former (no group body).</summary>
    private bool ParseFlags()
    {
        bool? caseInsensitive = null;
        var negate = false;
        var any = false;
        while (true)
        {
            if (AtEnd)
            {
                throw Error("missing closing )");
            }

            var c = _pattern[_position++];
            switch (c)
            {
                case 'i':
                    caseInsensitive = !negate;
                    _caseInsensitive = !negate;
                    any = true;
                    break;
                case 'm':
                    _multiline = !negate;
                    any = true;
                    break;
                case 's':
                    _dotAll = !negate;
                    any = true;
                    break;
                case 'U':
                    _ungreedy = !negate;
                    any = true;
                    break;
                case '-' when !negate:
                    negate = true;
                    any = false;
                    break;
                case ')':
                case ':':
                    if (!any)
                    {
                        throw Error("missing or invalid flags in (?flags)");
                    }

                    var inline = caseInsensitive switch { true => "i", false => "-i", null => "" };
                    if (c == ')')
                    {
                        if (inline.Length > 0)
                        {
                            _out.Append("(?").Append(inline).Append(')');
                        }

                        return true;
                    }

                    _out.Append("(?").Append(inline).Append(':');
                    return false;
                default:
                    throw Error("invalid or unsupported flag in (?flags) (RE2 has i, m, s and U)");
            }
        }
    }

    private void ParseEscape()
    {
        _position++;
        if (AtEnd)
        {
            throw Error("trailing backslash at end of expression");
        }

        var c = Current;
        switch (c)
        {
            case 'A':
                _position++;
                _out.Append("\\A");
                return;
            case 'z':
                _position++;
                _out.Append("\\z");
                return;
            case 'b':
            case 'B':
                _position++;
                _out.Append('\\').Append(c);
                return;
            case 'C':
                throw Error("\\C (any byte) is not supported");
            case 'Q':
                {
                    _position++;
                    var end = _pattern.IndexOf("\\E", _position, StringComparison.Ordinal);
                    var stop = end < 0 ? _pattern.Length : end;
                    while (_position < stop)
                    {
                        EmitLiteral(ReadCodePoint());
                    }

                    _position = end < 0 ? _pattern.Length : end + 2;
                    return;
                }
        }

        if (TryParseClassEscape(out var ranges, out var property))
        {
            EmitSet(ranges, property is null ? [] : [property], negated: false);
            return;
        }

        EmitLiteral(ParseCharacterEscape());
    }

    /// <summary>Parses <c>\d \D \s \S \w \W \p.. \P..</c> (after the backslash).</summary>
    private bool TryParseClassEscape(out List<(int Lo, int Hi)> ranges, out string? property)
    {
        property = null;
        var c = Current;
        switch (c)
        {
            case 'd':
            case 'D':
            case 's':
            case 'S':
            case 'w':
            case 'W':
                {
                    _position++;
                    var set = char.ToLowerInvariant(c) switch { 'd' => Digit, 's' => Space, _ => Word };
                    ranges = char.IsUpper(c) ? Complement([.. set]) : [.. set];
                    return true;
                }

            case 'p':
            case 'P':
                {
                    _position++;
                    var negated = c == 'P';
                    string name;
                    if (AtEnd)
                    {
                        throw Error("invalid Unicode class escape");
                    }

                    if (Current == '{')
                    {
                        var close = _pattern.IndexOf('}', _position);
                        if (close < 0)
                        {
                            throw Error("invalid Unicode class escape (missing })");
                        }

                        name = _pattern[(_position + 1)..close];
                        _position = close + 1;
                        if (name.StartsWith('^'))
                        {
                            negated = !negated;
                            name = name[1..];
                        }
                    }
                    else
                    {
                        name = _pattern[_position++].ToString();
                    }

                    if (name == "Any")
                    {
                        ranges = negated ? [] : [(0, MaxCodePoint)];
                        return true;
                    }

                    if (!GeneralCategories.Contains(name))
                    {
                        throw Error("unsupported Unicode class (only general categories such as \\p{L}, \\p{Lu}, \\p{N} and \\p{Any} are supported, not scripts)");
                    }

                    ranges = [];
                    property = (negated ? "\\P{" : "\\p{") + name + "}";
                    return true;
                }

            default:
                ranges = [];
                return false;
        }
    }

    /// <summary>Parses an escape that denotes one character (after the backslash).</summary>
    private int ParseCharacterEscape()
    {
        var c = _pattern[_position++];
        switch (c)
        {
            case 'a': return 7;
            case 'f': return 12;
            case 't': return 9;
            case 'n': return 10;
            case 'r': return 13;
            case 'v': return 11;
            case 'x':
                {
                    if (!AtEnd && Current == '{')
                    {
                        var close = _pattern.IndexOf('}', _position);
                        if (close < 0 || close == _position + 1 ||
                            !int.TryParse(_pattern.AsSpan(_position + 1, close - _position - 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value) ||
                            value > MaxCodePoint)
                        {
                            throw Error("invalid escape sequence \\x{...}");
                        }

                        _position = close + 1;
                        return value;
                    }

                    if (_position + 2 > _pattern.Length ||
                        !int.TryParse(_pattern.AsSpan(_position, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
                    {
                        throw Error("invalid escape sequence \\x (expected two hexadecimal digits)");
                    }

                    _position += 2;
                    return hex;
                }

            case >= '1' and <= '7' when AtEnd || Current is < '0' or > '7':
                throw Error("backreferences (\\1 ...) are not supported by RE2");
            case >= '0' and <= '7':
                {
                    // Octal: up to three digits.
                    var value = c - '0';
                    for (var n = 0; n < 2 && !AtEnd && Current is >= '0' and <= '7'; n++)
                    {
                        value = (value * 8) + (_pattern[_position++] - '0');
                    }

                    return value;
                }

            default:
                if (c < 0x80 && !char.IsAsciiLetterOrDigit(c) && c != '_')
                {
                    return c;
                }

                throw Error("invalid escape sequence");
        }
    }

    private void ParseClass()
    {
        var negated = false;
        if (!AtEnd && Current == '^')
        {
            negated = true;
            _position++;
        }

        var ranges = new List<(int Lo, int Hi)>();
        var properties = new List<string>();
        var first = true;
        while (true)
        {
            if (AtEnd)
            {
                throw Error("missing closing ] of a character class");
            }

            if (Current == ']' && !first)
            {
                _position++;
                break;
            }

            first = false;
            if (Current == '[' && _position + 1 < _pattern.Length && _pattern[_position + 1] == ':')
            {
                ranges.AddRange(ParsePosixClass());
                continue;
            }

            if (Current == '\\')
            {
                _position++;
                if (AtEnd)
                {
                    throw Error("missing closing ] of a character class");
                }

                if (TryParseClassEscape(out var classRanges, out var property))
                {
                    ranges.AddRange(classRanges);
                    if (property is not null)
                    {
                        properties.Add(property);
                    }

                    continue;
                }

                _position--;
            }

            var lo = ReadClassCharacter();
            if (_position + 1 < _pattern.Length && Current == '-' && _pattern[_position + 1] != ']')
            {
                _position++;
                var hi = ReadClassCharacter();
                if (hi < lo)
                {
                    throw Error("invalid character class range (end before start)");
                }

                ranges.Add((lo, hi));
            }
            else
            {
                ranges.Add((lo, lo));
            }
        }

        if (_caseInsensitive && negated)
        {
            AddSimpleCaseVariants(ranges);
        }

        EmitSet(Normalize(ranges), properties, negated);
    }

    private int ReadClassCharacter()
    {
        if (Current != '\\')
        {
            return ReadCodePoint();
        }

        _position++;
        if (AtEnd)
        {
            throw Error("missing closing ] of a character class");
        }

        return ParseCharacterEscape();
    }

    private List<(int Lo, int Hi)> ParsePosixClass()
    {
        var close = _pattern.IndexOf(":]", _position + 2, StringComparison.Ordinal);
        if (close < 0)
        {
            throw Error("invalid POSIX character class");
        }

        var name = _pattern[(_position + 2)..close];
        _position = close + 2;
        var negated = name.StartsWith('^');
        if (negated)
        {
            name = name[1..];
        }

        List<(int Lo, int Hi)> ranges = name switch
        {
            "alnum" => [('0', '9'), ('A', 'Z'), ('a', 'z')],
            "alpha" => [('A', 'Z'), ('a', 'z')],
            "ascii" => [(0, 0x7F)],
            "blank" => [('\t', '\t'), (' ', ' ')],
            "cntrl" => [(0, 0x1F), (0x7F, 0x7F)],
            "digit" => [('0', '9')],
            "graph" => [('!', '~')],
            "lower" => [('a', 'z')],
            "print" => [(' ', '~')],
            "punct" => [('!', '/'), (':', '@'), ('[', '`'), ('{', '~')],
            "space" => [('\t', '\r'), (' ', ' ')],
            "upper" => [('A', 'Z')],
            "word" => [('0', '9'), ('A', 'Z'), ('a', 'z'), ('_', '_')],
            "xdigit" => [('0', '9'), ('A', 'F'), ('a', 'f')],
            _ => throw Error("invalid POSIX character class name"),
        };
        return negated ? Complement(ranges) : ranges;
    }

    private static void AddSimpleCaseVariants(List<(int Lo, int Hi)> ranges)
    {
        var count = ranges.Count;
        for (var r = 0; r < count; r++)
        {
            var (lo, hi) = ranges[r];
            if (hi - lo > 512 || hi > 0xFFFF)
            {
                continue;
            }

            for (var c = lo; c <= hi; c++)
            {
                var upper = char.ToUpperInvariant((char)c);
                var lower = char.ToLowerInvariant((char)c);
                ranges.Add((upper, upper));
                ranges.Add((lower, lower));
            }
        }
    }

    private static List<(int Lo, int Hi)> Normalize(List<(int Lo, int Hi)> ranges)
    {
        ranges.Sort();
        var result = new List<(int Lo, int Hi)>();
        foreach (var (lo, hi) in ranges)
        {
            if (result.Count > 0 && lo <= result[^1].Hi + 1)
            {
                result[^1] = (result[^1].Lo, Math.Max(result[^1].Hi, hi));
            }
            else
            {
                result.Add((lo, hi));
            }
        }

        return result;
    }

    private static List<(int Lo, int Hi)> Complement(List<(int Lo, int Hi)> ranges)
    {
        var result = new List<(int Lo, int Hi)>();
        var next = 0;
        foreach (var (lo, hi) in Normalize(ranges))
        {
            if (lo > next)
            {
                result.Add((next, lo - 1));
            }

            next = Math.Max(next, hi + 1);
        }

        if (next <= MaxCodePoint)
        {
            result.Add((next, MaxCodePoint));
        }

        return result;
    }

    private static List<(int Lo, int Hi)> Subtract(List<(int Lo, int Hi)> ranges, List<(int Lo, int Hi)> remove)
    {
        var keep = Complement(remove);
        var result = new List<(int Lo, int Hi)>();
        foreach (var (lo, hi) in Normalize(ranges))
        {
            foreach (var (klo, khi) in keep)
            {
                var a = Math.Max(lo, klo);
                var b = Math.Min(hi, khi);
                if (a <= b)
                {
                    result.Add((a, b));
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Emits a set of code points (plus Unicode property escapes) so that it matches one code point: BMP members as
    /// one .NET class, supplementary ones as surrogate pairs. Lone surrogates are never members.
    /// </summary>
    private void EmitSet(List<(int Lo, int Hi)> ranges, List<string> properties, bool negated)
    {
        List<(int Lo, int Hi)> members;
        if (negated && properties.Count > 0)
        {
            // A negated class with property escapes stays negated in .NET; it cannot also exclude supplementary
            // members, so those are rejected.
            if (ranges.Any(r => r.Hi >= 0x10000))
            {
                throw Error("a negated character class cannot mix Unicode classes and characters above U+FFFF");
            }

            var excluded = Normalize([.. ranges, (0xD800, 0xDFFF)]);
            _out.Append("(?:[^").Append(FormatBmpRanges(excluded));
            foreach (var property in properties)
            {
                _out.Append(property);
            }

            _out.Append("]|[\\uD800-\\uDBFF][\\uDC00-\\uDFFF])");
            return;
        }

        members = negated ? Complement(ranges) : Normalize(ranges);
        var bmp = Subtract(members.Where(r => r.Lo <= 0xFFFF).Select(r => (r.Lo, Math.Min(r.Hi, 0xFFFF))).ToList(), [(0xD800, 0xDFFF)]);
        var parts = new List<string>();
        if (bmp.Count > 0 || properties.Count > 0)
        {
            parts.Add("[" + FormatBmpRanges(bmp) + string.Concat(properties) + "]");
        }

        foreach (var (lo, hi) in members.Where(r => r.Hi >= 0x10000))
        {
            AddSurrogateAlternatives(parts, Math.Max(lo, 0x10000), hi);
        }

        if (parts.Count == 0)
        {
            _out.Append("[^\\u0000-\\uFFFF]");
        }
        else if (parts.Count == 1)
        {
            _out.Append(parts[0]);
        }
        else
        {
            _out.Append("(?:").AppendJoin('|', parts).Append(')');
        }
    }

    private static string FormatBmpRanges(List<(int Lo, int Hi)> ranges)
    {
        var builder = new StringBuilder();
        foreach (var (lo, hi) in ranges)
        {
            builder.Append(CultureInfo.InvariantCulture, $"\\u{lo:X4}");
            if (hi != lo)
            {
                builder.Append(CultureInfo.InvariantCulture, $"-\\u{hi:X4}");
            }
        }

        return builder.ToString();
    }

    private static void AddSurrogateAlternatives(List<string> parts, int lo, int hi)
    {
        var loText = char.ConvertFromUtf32(lo);
        var hiText = char.ConvertFromUtf32(hi);
        int loHigh = loText[0], loLow = loText[1], hiHigh = hiText[0], hiLow = hiText[1];
        if (loHigh == hiHigh)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"\\u{loHigh:X4}[\\u{loLow:X4}-\\u{hiLow:X4}]"));
            return;
        }

        parts.Add(string.Create(CultureInfo.InvariantCulture, $"\\u{loHigh:X4}[\\u{loLow:X4}-\\uDFFF]"));
        if (hiHigh - loHigh > 1)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"[\\u{loHigh + 1:X4}-\\u{hiHigh - 1:X4}][\\uDC00-\\uDFFF]"));
        }

        parts.Add(string.Create(CultureInfo.InvariantCulture, $"\\u{hiHigh:X4}[\\uDC00-\\u{hiLow:X4}]"));
    }

    private void EmitLiteral(int codePoint)
    {
        if (codePoint >= 0x10000)
        {
            var pair = char.ConvertFromUtf32(codePoint);
            _out.Append(CultureInfo.InvariantCulture, $"(?:\\u{(int)pair[0]:X4}\\u{(int)pair[1]:X4})");
        }
        else if (codePoint < 0x80 && (char.IsAsciiLetterOrDigit((char)codePoint) || codePoint == '_'))
        {
            _out.Append((char)codePoint);
        }
        else
        {
            _out.Append(CultureInfo.InvariantCulture, $"\\u{codePoint:X4}");
        }
    }
}
