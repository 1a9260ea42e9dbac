using System.Globalization;
using System.Text;

namespace Mxcp.Runtime.Templates;

/// <summary>
/// Splits template text into tokens with Jinja2's default delimiters and whitespace rules: <c>{%-</c>, <c>{{-</c> and
/// <c>{#-</c> strip all whitespace before the tag, <c>-%}</c>, <c>-}}</c> and <c>-#}</c> all whitespace after it,
/// <c>+</c> is accepted and changes nothing (trim_blocks and lstrip_blocks are off), and <c>{% raw %}</c> bodies are
/// emitted as text.
/// </summary>
internal sealed class TemplateLexer
{
    private static readonly string[] TwoCharOperators = ["//", "**", "==", "!=", ">=", "<="];
    private const string OneCharOperators = "+-/*%~[](){}><=.:|,;";

    private readonly TemplateSource _source;
    private readonly string _text;
    private readonly List<TemplateToken> _tokens = [];

    private TemplateLexer(TemplateSource source)
    {
        _source = source;
        _text = source.Text;
    }

    public static List<TemplateToken> Tokenize(TemplateSource source)
    {
        var lexer = new TemplateLexer(source);
        lexer.Run();
        return lexer._tokens;
    }

    private void Run()
    {
        var n = _text.Length;
        var pos = 0;
        while (pos < n)
        {
            var tag = FindTagStart(pos);
            if (tag < 0)
            {
                AddData(pos, n, stripTrailingWhitespace: false);
                break;
            }

            var kind = _text[tag + 1];
            var p = tag + 2;
            var sign = p < n && (_text[p] == '-' || _text[p] == '+') ? _text[p] : '\0';
            AddData(pos, tag, stripTrailingWhitespace: sign == '-');
            if (kind == '%' && TryMatchRawBegin(tag, out var rawContentStart))
            {
                pos = LexRaw(tag, rawContentStart);
                continue;
            }

            if (sign != '\0')
            {
                p++;
            }

            pos = kind switch
            {
                '#' => LexComment(tag, p),
                '{' => LexTag(tag, p, block: false),
                _ => LexTag(tag, p, block: true),
            };
        }

        _tokens.Add(new TemplateToken(TokenKind.Eof, n, string.Empty));
    }

    private int FindTagStart(int from)
    {
        var index = _text.IndexOf('{', from);
        while (index >= 0 && index + 1 < _text.Length)
        {
            var next = _text[index + 1];
            if (next is '{' or '%' or '#')
            {
                return index;
            }

            index = _text.IndexOf('{', index + 1);
        }

        return -1;
    }

    private void AddData(int start, int end, bool stripTrailingWhitespace)
    {
        if (stripTrailingWhitespace)
        {
            while (end > start && PythonText.IsSpace(_text[end - 1]))
            {
                end--;
            }
        }

        if (end > start)
        {
            _tokens.Add(new TemplateToken(TokenKind.Data, start, _text[start..end]));
        }
    }

    private bool StartsWith(string value, int at) =>
        at + value.Length <= _text.Length && string.CompareOrdinal(_text, at, value, 0, value.Length) == 0;

    private int SkipSpace(int at)
    {
        while (at < _text.Length && PythonText.IsSpace(_text[at]))
        {
            at++;
        }

        return at;
    }

    private bool TryMatchRawBegin(int tag, out int contentStart)
    {
        contentStart = 0;
        var p = tag + 2;
        if (p < _text.Length && (_text[p] == '-' || _text[p] == '+'))
        {
            p++;
        }

        p = SkipSpace(p);
        if (!StartsWith("raw", p))
        {
            return false;
        }

        p = SkipSpace(p + 3);
        if (StartsWith("-%}", p))
        {
            contentStart = SkipSpace(p + 3);
            return true;
        }

        if (StartsWith("%}", p))
        {
            contentStart = p + 2;
            return true;
        }

        return false;
    }

    private int LexRaw(int tag, int contentStart)
    {
        var search = contentStart;
        while (true)
        {
            var index = _text.IndexOf("{%", search, StringComparison.Ordinal);
            if (index < 0)
            {
                throw _source.SyntaxError(tag, "'raw' block is never closed; expected '{% endraw %}'");
            }

            var p = index + 2;
            var sign = '\0';
            if (p < _text.Length && (_text[p] == '-' || _text[p] == '+'))
            {
                sign = _text[p];
                p++;
            }

            p = SkipSpace(p);
            if (StartsWith("endraw", p))
            {
                p = SkipSpace(p + 6);
                var end = -1;
                if (StartsWith("+%}", p))
                {
                    end = p + 3;
                }
                else if (StartsWith("-%}", p))
                {
                    end = SkipSpace(p + 3);
                }
                else if (StartsWith("%}", p))
                {
                    end = p + 2;
                }

                if (end >= 0)
                {
                    AddData(contentStart, index, stripTrailingWhitespace: sign == '-');
                    return end;
                }
            }

            search = index + 2;
        }
    }

    private int LexComment(int tag, int contentStart)
    {
        var index = _text.IndexOf("#}", contentStart, StringComparison.Ordinal);
        if (index < 0)
        {
            throw _source.SyntaxError(tag, "comment is never closed; expected '#}'");
        }

        return index - 1 >= contentStart && _text[index - 1] == '-' ? SkipSpace(index + 2) : index + 2;
    }

    private int LexTag(int tag, int p, bool block)
    {
        _tokens.Add(new TemplateToken(block ? TokenKind.BlockBegin : TokenKind.VariableBegin, tag, block ? "{%" : "{{"));
        List<(char Close, int Offset)>? brackets = null;
        while (true)
        {
            if (p >= _text.Length)
            {
                if (brackets is { Count: > 0 })
                {
                    var open = brackets[^1];
                    throw _source.SyntaxError(open.Offset, $"'{_text[open.Offset]}' is never closed; expected '{open.Close}'");
                }

                throw _source.SyntaxError(tag, block ? "tag is never closed; expected '%}'" : "expression is never closed; expected '}}'");
            }

            if (brackets is null || brackets.Count == 0)
            {
                if (block)
                {
                    if (StartsWith("+%}", p))
                    {
                        _tokens.Add(new TemplateToken(TokenKind.BlockEnd, p, "%}"));
                        return p + 3;
                    }

                    if (StartsWith("-%}", p))
                    {
                        _tokens.Add(new TemplateToken(TokenKind.BlockEnd, p, "%}"));
                        return SkipSpace(p + 3);
                    }

                    if (StartsWith("%}", p))
                    {
                        _tokens.Add(new TemplateToken(TokenKind.BlockEnd, p, "%}"));
                        return p + 2;
                    }
                }
                else
                {
                    if (StartsWith("-}}", p))
                    {
                        _tokens.Add(new TemplateToken(TokenKind.VariableEnd, p, "}}"));
                        return SkipSpace(p + 3);
                    }

                    if (StartsWith("}}", p))
                    {
                        _tokens.Add(new TemplateToken(TokenKind.VariableEnd, p, "}}"));
                        return p + 2;
                    }
                }
            }

            var c = _text[p];
            if (PythonText.IsSpace(c))
            {
                p++;
            }
            else if (char.IsAsciiDigit(c))
            {
                p = LexNumber(p);
            }
            else if (IsNameStart(c))
            {
                p = LexName(p);
            }
            else if (c is '\'' or '"')
            {
                p = LexString(p);
            }
            else
            {
                p = LexOperator(p, ref brackets);
            }
        }
    }

    private static bool IsNameStart(char c) => c == '_' || char.IsLetter(c) ||
        char.GetUnicodeCategory(c) == UnicodeCategory.LetterNumber;

    private static bool IsNameChar(char c)
    {
        if (c == '_' || char.IsLetterOrDigit(c))
        {
            return true;
        }

        var category = char.GetUnicodeCategory(c);
        return category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
            or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.LetterNumber;
    }

    private int LexName(int p)
    {
        var start = p;
        while (p < _text.Length && IsNameChar(_text[p]))
        {
            p++;
        }

        _tokens.Add(new TemplateToken(TokenKind.Name, start, _text[start..p]));
        return p;
    }

    // (\d+_)*\d+ starting at a digit.
    private int ScanDigitGroups(int p)
    {
        while (true)
        {
            while (p < _text.Length && char.IsAsciiDigit(_text[p]))
            {
                p++;
            }

            if (p + 1 < _text.Length && _text[p] == '_' && char.IsAsciiDigit(_text[p + 1]))
            {
                p++;
                continue;
            }

            return p;
        }
    }

    // (_?[digit])+ in the given base, as in Jinja2's integer_re.
    private int ScanPrefixedDigits(int p, int radix)
    {
        var start = p;
        while (true)
        {
            var q = p < _text.Length && _text[p] == '_' ? p + 1 : p;
            if (q < _text.Length && IsDigitIn(_text[q], radix))
            {
                p = q + 1;
                continue;
            }

            return p == start ? -1 : p;
        }
    }

    private static bool IsDigitIn(char c, int radix) => radix switch
    {
        2 => c is '0' or '1',
        8 => c is >= '0' and <= '7',
        16 => char.IsAsciiHexDigit(c),
        _ => char.IsAsciiDigit(c),
    };

    private int LexNumber(int start)
    {
        var integerEnd = ScanDigitGroups(start);
        if (start == 0 || _text[start - 1] != '.')
        {
            var fractionEnd = -1;
            if (integerEnd + 1 < _text.Length && _text[integerEnd] == '.' && char.IsAsciiDigit(_text[integerEnd + 1]))
            {
                fractionEnd = ScanDigitGroups(integerEnd + 1);
            }

            var afterFraction = fractionEnd >= 0 ? fractionEnd : integerEnd;
            var exponentEnd = -1;
            if (afterFraction < _text.Length && (_text[afterFraction] is 'e' or 'E'))
            {
                var s = afterFraction + 1;
                if (s < _text.Length && (_text[s] is '+' or '-'))
                {
                    s++;
                }

                if (s < _text.Length && char.IsAsciiDigit(_text[s]))
                {
                    exponentEnd = ScanDigitGroups(s);
                }
            }

            var floatEnd = exponentEnd >= 0 ? exponentEnd : fractionEnd;
            if (floatEnd >= 0)
            {
                var literal = _text[start..floatEnd];
                var value = double.Parse(literal.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture);
                _tokens.Add(new TemplateToken(TokenKind.Float, start, literal, value));
                return floatEnd;
            }
        }

        var end = -1;
        var radix = 10;
        if (_text[start] == '0' && start + 1 < _text.Length)
        {
            radix = char.ToLowerInvariant(_text[start + 1]) switch { 'b' => 2, 'o' => 8, 'x' => 16, _ => 10 };
            if (radix != 10)
            {
                end = ScanPrefixedDigits(start + 2, radix);
                if (end < 0)
                {
                    radix = 10;
                }
            }
        }

        if (end < 0)
        {
            // [1-9](_?\d)* or 0(_?0)*
            var digit = _text[start] == '0' ? 0 : 10;
            end = start + 1;
            while (true)
            {
                var q = end < _text.Length && _text[end] == '_' ? end + 1 : end;
                if (q < _text.Length && (digit == 0 ? _text[q] == '0' : char.IsAsciiDigit(_text[q])))
                {
                    end = q + 1;
                    continue;
                }

                break;
            }
        }

        var text = _text[start..end];
        var digits = text.Replace("_", string.Empty, StringComparison.Ordinal);
        if (radix != 10)
        {
            digits = digits[2..];
        }

        long number = 0;
        foreach (var c in digits)
        {
            var d = c <= '9' ? c - '0' : char.ToLowerInvariant(c) - 'a' + 10;
            if (number > (long.MaxValue - d) / radix)
            {
                throw _source.SyntaxError(start, $"integer literal {text} is too large; integers must fit in 64 bits");
            }

            number = (number * radix) + d;
        }

        _tokens.Add(new TemplateToken(TokenKind.Integer, start, text, number));
        return end;
    }

    private int LexString(int start)
    {
        var quote = _text[start];
        var p = start + 1;
        while (p < _text.Length && _text[p] != quote)
        {
            p += _text[p] == '\\' ? 2 : 1;
        }

        if (p >= _text.Length)
        {
            throw _source.SyntaxError(start, $"string literal is never closed; expected {quote}");
        }

        var value = DecodeEscapes(_text.AsSpan(start + 1, p - start - 1), start);
        _tokens.Add(new TemplateToken(TokenKind.String, start, _text[start..(p + 1)], value));
        return p + 1;
    }

    // Python's "unicode-escape" decoding, which Jinja2 applies to string literals.
    private string DecodeEscapes(ReadOnlySpan<char> raw, int offset)
    {
        if (raw.IndexOf('\\') < 0)
        {
            return raw.ToString();
        }

        var sb = new StringBuilder(raw.Length);
        var i = 0;
        while (i < raw.Length)
        {
            var c = raw[i];
            if (c != '\\')
            {
                sb.Append(c);
                i++;
                continue;
            }

            var e = raw[i + 1];
            i += 2;
            switch (e)
            {
                case '\n': break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case >= '0' and <= '7':
                    var octal = e - '0';
                    for (var k = 0; k < 2 && i < raw.Length && raw[i] is >= '0' and <= '7'; k++, i++)
                    {
                        octal = (octal * 8) + (raw[i] - '0');
                    }

                    sb.Append((char)octal);
                    break;
                case 'x':
                    AppendHexEscape(sb, raw, ref i, 2, offset, "\\xXX");
                    break;
                case 'u':
                    AppendHexEscape(sb, raw, ref i, 4, offset, "\\uXXXX");
                    break;
                case 'U':
                    AppendHexEscape(sb, raw, ref i, 8, offset, "\\UXXXXXXXX");
                    break;
                case 'N':
                    throw _source.SyntaxError(offset, "named unicode escapes (\\N{...}) are not supported in string literals; use \\uXXXX");
                default:
                    sb.Append('\\');
                    if (e > 0x7F)
                    {
                        // Jinja2 backslash-escapes non-ASCII characters before decoding, so "\é" keeps its backslash
                        // and becomes the text of the escape.
                        var codePoint = char.IsHighSurrogate(e) && i < raw.Length && char.IsLowSurrogate(raw[i])
                            ? char.ConvertToUtf32(e, raw[i++])
                            : e;
                        sb.Append(codePoint switch
                        {
                            <= 0xFF => $"x{codePoint:x2}",
                            <= 0xFFFF => $"u{codePoint:x4}",
                            _ => $"U{codePoint:x8}",
                        });
                    }
                    else
                    {
                        sb.Append(e);
                    }

                    break;
            }
        }

        return sb.ToString();
    }

    private void AppendHexEscape(StringBuilder sb, ReadOnlySpan<char> raw, ref int i, int length, int offset, string form)
    {
        if (i + length > raw.Length)
        {
            throw _source.SyntaxError(offset, $"truncated {form} escape in string literal");
        }

        var value = 0;
        for (var k = 0; k < length; k++)
        {
            var h = raw[i + k];
            if (!char.IsAsciiHexDigit(h))
            {
                throw _source.SyntaxError(offset, $"truncated {form} escape in string literal");
            }

            value = (value * 16) + (h <= '9' ? h - '0' : char.ToLowerInvariant(h) - 'a' + 10);
            if (value > 0x10FFFF)
            {
                throw _source.SyntaxError(offset, "illegal Unicode character in string literal escape");
            }
        }

        i += length;
        if (value <= 0xFFFF)
        {
            // Python strings may hold lone surrogates, so \ud800 is kept as it is.
            sb.Append((char)value);
        }
        else
        {
            sb.Append(char.ConvertFromUtf32(value));
        }
    }

    private int LexOperator(int p, ref List<(char Close, int Offset)>? brackets)
    {
        string? op = null;
        foreach (var candidate in TwoCharOperators)
        {
            if (StartsWith(candidate, p))
            {
                op = candidate;
                break;
            }
        }

        if (op is null)
        {
            var index = OneCharOperators.IndexOf(_text[p], StringComparison.Ordinal);
            if (index < 0)
            {
                throw _source.SyntaxError(p, $"unexpected character '{_text[p]}'");
            }

            op = OneCharOperators.Substring(index, 1);
            switch (op[0])
            {
                case '(':
                    (brackets ??= []).Add((')', p));
                    break;
                case '[':
                    (brackets ??= []).Add((']', p));
                    break;
                case '{':
                    (brackets ??= []).Add(('}', p));
                    break;
                case ')' or ']' or '}':
                    if (brackets is null || brackets.Count == 0)
                    {
                        throw _source.SyntaxError(p, $"unexpected '{op}'");
                    }

                    var expected = brackets[^1].Close;
                    if (expected != op[0])
                    {
                        throw _source.SyntaxError(p, $"unexpected '{op}', expected '{expected}'");
                    }

                    brackets.RemoveAt(brackets.Count - 1);
                    break;
            }
        }

        _tokens.Add(new TemplateToken(TokenKind.Operator, p, string.Intern(op)));
        return p + op.Length;
    }
}
