using System.Globalization;
using System.Numerics;
using System.Text;

namespace Mxcp.Runtime.Policies.Cel;

/// <summary>The kind of a <see cref="CelToken"/>.</summary>
internal enum CelTokenKind
{
    End,
    Identifier,
    QuotedIdentifier,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    True,
    False,
    Null,
    In,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    LeftBrace,
    RightBrace,
    Dot,
    Comma,
    Colon,
    Question,
    Bang,
    Minus,
    Plus,
    Star,
    Slash,
    Percent,
    EqualEqual,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    AndAnd,
    OrOr,
}

/// <summary>A token: its kind, where it is, and its decoded value.</summary>
internal readonly record struct CelToken(CelTokenKind Kind, int Start, int End, string? Text = null, ulong Magnitude = 0, double Double = 0, byte[]? Bytes = null)
{
    /// <summary>A human description for error messages.</summary>
    public string Describe(string source) => Kind switch
    {
        CelTokenKind.End => "end of expression",
        CelTokenKind.String or CelTokenKind.Bytes => "string literal",
        CelTokenKind.Int or CelTokenKind.Uint or CelTokenKind.Double => "number " + source[Start..End],
        _ => "'" + source[Start..End] + "'",
    };
}

/// <summary>Splits CEL source text into tokens, following the lexis of the CEL language definition.</summary>
internal sealed class CelLexer
{
    private readonly string _source;
    private int _position;

    public CelLexer(string source)
    {
        _source = source;
    }

    /// <summary>Reads the next token. Throws <see cref="CelSyntaxException"/> on a lexical error.</summary>
    public CelToken Next()
    {
        SkipWhitespaceAndComments();
        var start = _position;
        if (_position >= _source.Length)
        {
            return new CelToken(CelTokenKind.End, start, start);
        }

        var c = _source[_position];
        if (IsIdentifierStart(c))
        {
            if (TryStringPrefix(out var raw, out var bytes))
            {
                return ReadString(start, raw, bytes);
            }

            return ReadIdentifier(start);
        }

        if (char.IsAsciiDigit(c) || (c == '.' && _position + 1 < _source.Length && char.IsAsciiDigit(_source[_position + 1])))
        {
            return ReadNumber(start);
        }

        switch (c)
        {
            case '"':
            case '\'':
                return ReadString(start, raw: false, bytes: false);
            case '`':
                return ReadQuotedIdentifier(start);
            case '(':
                return Single(CelTokenKind.LeftParen);
            case ')':
                return Single(CelTokenKind.RightParen);
            case '[':
                return Single(CelTokenKind.LeftBracket);
            case ']':
                return Single(CelTokenKind.RightBracket);
            case '{':
                return Single(CelTokenKind.LeftBrace);
            case '}':
                return Single(CelTokenKind.RightBrace);
            case '.':
                return Single(CelTokenKind.Dot);
            case ',':
                return Single(CelTokenKind.Comma);
            case ':':
                return Single(CelTokenKind.Colon);
            case '?':
                return Single(CelTokenKind.Question);
            case '+':
                return Single(CelTokenKind.Plus);
            case '-':
                return Single(CelTokenKind.Minus);
            case '*':
                return Single(CelTokenKind.Star);
            case '/':
                return Single(CelTokenKind.Slash);
            case '%':
                return Single(CelTokenKind.Percent);
            case '!':
                return Peek(1) == '=' ? Double(CelTokenKind.NotEqual) : Single(CelTokenKind.Bang);
            case '<':
                return Peek(1) == '=' ? Double(CelTokenKind.LessEqual) : Single(CelTokenKind.Less);
            case '>':
                return Peek(1) == '=' ? Double(CelTokenKind.GreaterEqual) : Single(CelTokenKind.Greater);
            case '=':
                return Peek(1) == '=' ? Double(CelTokenKind.EqualEqual) : throw Error(start, "unexpected '='; use '==' to compare");
            case '&':
                return Peek(1) == '&' ? Double(CelTokenKind.AndAnd) : throw Error(start, "unexpected '&'; use '&&' for logical and");
            case '|':
                return Peek(1) == '|' ? Double(CelTokenKind.OrOr) : throw Error(start, "unexpected '|'; use '||' for logical or");
            default:
                throw Error(start, char.IsControl(c)
                    ? $"unexpected character U+{(int)c:X4}"
                    : $"unexpected character '{char.ConvertFromUtf32(char.IsSurrogatePair(_source, start) ? char.ConvertToUtf32(_source, start) : c)}'");
        }
    }

    private char Peek(int offset) => _position + offset < _source.Length ? _source[_position + offset] : '\0';

    private CelToken Single(CelTokenKind kind)
    {
        _position++;
        return new CelToken(kind, _position - 1, _position);
    }

    private CelToken Double(CelTokenKind kind)
    {
        _position += 2;
        return new CelToken(kind, _position - 2, _position);
    }

    private CelSyntaxException Error(int offset, string message) => new(offset, message);

    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsIdentifierPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private void SkipWhitespaceAndComments()
    {
        while (_position < _source.Length)
        {
            var c = _source[_position];
            if (c is ' ' or '\t' or '\n' or '\r' or '\f')
            {
                _position++;
            }
            else if (c == '/' && Peek(1) == '/')
            {
                while (_position < _source.Length && _source[_position] is not ('\n' or '\r'))
                {
                    _position++;
                }
            }
            else
            {
                break;
            }
        }
    }

    private CelToken ReadIdentifier(int start)
    {
        while (_position < _source.Length && IsIdentifierPart(_source[_position]))
        {
            _position++;
        }

        var text = _source[start.._position];
        var kind = text switch
        {
            "true" => CelTokenKind.True,
            "false" => CelTokenKind.False,
            "null" => CelTokenKind.Null,
            "in" => CelTokenKind.In,
            _ => CelTokenKind.Identifier,
        };
        return new CelToken(kind, start, _position, text);
    }

    private CelToken ReadQuotedIdentifier(int start)
    {
        _position++;
        var nameStart = _position;
        while (_position < _source.Length && _source[_position] != '`')
        {
            var c = _source[_position];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or '/' or ' '))
            {
                throw Error(_position, "a quoted field name may contain only letters, digits, '_', '.', '-', '/' and spaces");
            }

            _position++;
        }

        if (_position >= _source.Length)
        {
            throw Error(start, "unterminated quoted field name (missing '`')");
        }

        if (_position == nameStart)
        {
            throw Error(start, "empty quoted field name");
        }

        var name = _source[nameStart.._position];
        _position++;
        return new CelToken(CelTokenKind.QuotedIdentifier, start, _position, name);
    }

    private bool TryStringPrefix(out bool raw, out bool bytes)
    {
        raw = false;
        bytes = false;
        var i = _position;
        for (var n = 0; n < 2 && i < _source.Length; n++, i++)
        {
            var c = _source[i];
            if (c is 'r' or 'R' && !raw)
            {
                raw = true;
            }
            else if (c is 'b' or 'B' && !bytes)
            {
                bytes = true;
            }
            else
            {
                break;
            }
        }

        if (i > _position && i < _source.Length && _source[i] is '"' or '\'')
        {
            _position = i;
            return true;
        }

        raw = false;
        bytes = false;
        return false;
    }

    private CelToken ReadString(int start, bool raw, bool bytes)
    {
        var quote = _source[_position];
        var triple = Peek(1) == quote && Peek(2) == quote;
        _position += triple ? 3 : 1;
        var text = new StringBuilder();
        List<byte>? data = bytes ? [] : null;
        while (true)
        {
            if (_position >= _source.Length)
            {
                throw Error(start, "unterminated string literal");
            }

            var c = _source[_position];
            if (c == quote && (!triple || (Peek(1) == quote && Peek(2) == quote)))
            {
                _position += triple ? 3 : 1;
                break;
            }

            if (!triple && c is '\n' or '\r')
            {
                throw Error(_position, "newline in string literal (use a triple-quoted string or the escape \\n)");
            }

            if (c == '\\' && !raw)
            {
                ReadEscape(text, data);
                continue;
            }

            var width = char.IsSurrogatePair(_source, _position) ? 2 : 1;
            if (data is not null)
            {
                data.AddRange(Encoding.UTF8.GetBytes(_source.Substring(_position, width)));
            }
            else
            {
                text.Append(_source, _position, width);
            }

            _position += width;
        }

        return data is not null
            ? new CelToken(CelTokenKind.Bytes, start, _position, Bytes: [.. data])
            : new CelToken(CelTokenKind.String, start, _position, text.ToString());
    }

    private void ReadEscape(StringBuilder text, List<byte>? data)
    {
        var escapeStart = _position;
        _position++;
        if (_position >= _source.Length)
        {
            throw Error(escapeStart, "unterminated escape sequence");
        }

        var c = _source[_position++];
        int value;
        var isByte = false;
        switch (c)
        {
            case '\\': value = '\\'; break;
            case '?': value = '?'; break;
            case '"': value = '"'; break;
            case '\'': value = '\''; break;
            case '`': value = '`'; break;
            case 'a': value = 7; break;
            case 'b': value = 8; break;
            case 'f': value = 12; break;
            case 'n': value = 10; break;
            case 'r': value = 13; break;
            case 't': value = 9; break;
            case 'v': value = 11; break;
            case 'x':
            case 'X':
                value = ReadHex(2, escapeStart);
                isByte = true;
                break;
            case 'u':
            case 'U':
                if (data is not null)
                {
                    throw Error(escapeStart, $"\\{c} escapes are not allowed in bytes literals; use \\x or octal escapes");
                }

                value = ReadHex(c == 'u' ? 4 : 8, escapeStart);
                if (value is >= 0xD800 and <= 0xDFFF || value > 0x10FFFF)
                {
                    throw Error(escapeStart, "invalid Unicode code point in escape sequence");
                }

                break;
            case >= '0' and <= '3':
                if (_position + 1 < _source.Length && _source[_position] is >= '0' and <= '7' && _source[_position + 1] is >= '0' and <= '7')
                {
                    value = ((c - '0') * 64) + ((_source[_position] - '0') * 8) + (_source[_position + 1] - '0');
                    _position += 2;
                    isByte = true;
                    break;
                }

                throw Error(escapeStart, "invalid octal escape (expected three octal digits \\000 to \\377)");
            default:
                throw Error(escapeStart, $"invalid escape sequence '\\{c}'");
        }

        if (data is not null)
        {
            if (isByte)
            {
                data.Add((byte)value);
            }
            else
            {
                data.AddRange(Encoding.UTF8.GetBytes(char.ConvertFromUtf32(value)));
            }
        }
        else
        {
            text.Append(char.ConvertFromUtf32(value));
        }
    }

    private int ReadHex(int digits, int escapeStart)
    {
        if (_position + digits > _source.Length ||
            !int.TryParse(_source.AsSpan(_position, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value) ||
            _source.AsSpan(_position, digits).ContainsAnyExcept("0123456789abcdefABCDEF"))
        {
            throw Error(escapeStart, $"invalid escape sequence (expected {digits} hexadecimal digits)");
        }

        _position += digits;
        return value;
    }

    private CelToken ReadNumber(int start)
    {
        if (_source[_position] == '0' && Peek(1) is 'x' or 'X')
        {
            _position += 2;
            var digitsStart = _position;
            while (_position < _source.Length && char.IsAsciiHexDigit(_source[_position]))
            {
                _position++;
            }

            if (_position == digitsStart)
            {
                throw Error(start, "hexadecimal literal without digits");
            }

            var magnitude = ParseMagnitude(_source.AsSpan(digitsStart, _position - digitsStart), 16, start);
            return IntegerToken(start, magnitude);
        }

        while (_position < _source.Length && char.IsAsciiDigit(_source[_position]))
        {
            _position++;
        }

        var isDouble = false;
        if (_position < _source.Length && _source[_position] == '.' && _position + 1 < _source.Length && char.IsAsciiDigit(_source[_position + 1]))
        {
            isDouble = true;
            _position++;
            while (_position < _source.Length && char.IsAsciiDigit(_source[_position]))
            {
                _position++;
            }
        }

        if (_position < _source.Length && _source[_position] is 'e' or 'E')
        {
            var save = _position;
            _position++;
            if (_position < _source.Length && _source[_position] is '+' or '-')
            {
                _position++;
            }

            if (_position < _source.Length && char.IsAsciiDigit(_source[_position]))
            {
                isDouble = true;
                while (_position < _source.Length && char.IsAsciiDigit(_source[_position]))
                {
                    _position++;
                }
            }
            else
            {
                _position = save;
            }
        }

        if (isDouble)
        {
            var value = double.Parse(_source.AsSpan(start, _position - start), NumberStyles.Float, CultureInfo.InvariantCulture);
            if (double.IsInfinity(value))
            {
                throw Error(start, "double literal out of range");
            }

            return new CelToken(CelTokenKind.Double, start, _position, Double: value);
        }

        return IntegerToken(start, ParseMagnitude(_source.AsSpan(start, _position - start), 10, start));
    }

    private CelToken IntegerToken(int start, ulong magnitude)
    {
        if (_position < _source.Length && _source[_position] is 'u' or 'U')
        {
            _position++;
            return new CelToken(CelTokenKind.Uint, start, _position, Magnitude: magnitude);
        }

        return new CelToken(CelTokenKind.Int, start, _position, Magnitude: magnitude);
    }

    private ulong ParseMagnitude(ReadOnlySpan<char> digits, int radix, int start)
    {
        BigInteger value = 0;
        foreach (var d in digits)
        {
            value = (value * radix) + (char.IsAsciiDigit(d) ? d - '0' : (char.ToLowerInvariant(d) - 'a' + 10));
            if (value > ulong.MaxValue)
            {
                throw Error(start, "integer literal out of range");
            }
        }

        return (ulong)value;
    }
}

/// <summary>A syntax error at a position of the source.</summary>
internal sealed class CelSyntaxException : Exception
{
    public CelSyntaxException(int offset, string message)
        : base(message)
    {
        Offset = offset;
    }

    /// <summary>The UTF-16 offset in the source.</summary>
    public int Offset { get; }
}
