namespace Mxcp.Plugins.DuckDb.Parameters;

/// <summary>
/// Finds the <c>$name</c> parameters of a SQL text the way a parser sees them: not inside string literals
/// (<c>'...'</c>, <c>E'...'</c>, <c>$tag$...$tag$</c>), quoted identifiers or comments. Positional parameters
/// (<c>$1</c>) are reported by their number. This is what validation compares with the declared parameters, so
/// that a statement that does not prepare yet (a table created by an earlier statement) is still checked.
/// </summary>
internal static class SqlParameterScanner
{
    public static SortedSet<string> FindNamedParameters(string sql)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            switch (c)
            {
                case '\'':
                    i = SkipQuoted(sql, i + 1, '\'', backslashEscapes: i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') && !IsIdentifierChar(sql, i - 2));
                    break;
                case '"':
                    i = SkipQuoted(sql, i + 1, '"', backslashEscapes: false);
                    break;
                case '-' when At(sql, i + 1) == '-':
                    i = sql.IndexOf('\n', i);
                    i = i < 0 ? sql.Length : i + 1;
                    break;
                case '/' when At(sql, i + 1) == '*':
                    i = SkipBlockComment(sql, i + 2);
                    break;
                case '$':
                    i = ReadDollar(sql, i, names);
                    break;
                default:
                    i++;
                    break;
            }
        }

        return names;
    }

    private static int ReadDollar(string sql, int start, SortedSet<string> names)
    {
        var end = start + 1;
        while (end < sql.Length && (char.IsAsciiLetterOrDigit(sql[end]) || sql[end] == '_'))
        {
            end++;
        }

        var word = sql[(start + 1)..end];
        if (At(sql, end) == '$' && (word.Length == 0 || !char.IsAsciiDigit(word[0])))
        {
            // $$...$$ or $tag$...$tag$: a dollar-quoted string.
            var tag = sql[start..(end + 1)];
            var close = sql.IndexOf(tag, end + 1, StringComparison.Ordinal);
            return close < 0 ? sql.Length : close + tag.Length;
        }

        if (word.Length > 0 && (start == 0 || !IsIdentifierChar(sql, start - 1)))
        {
            names.Add(word);
        }

        return end;
    }

    private static int SkipQuoted(string sql, int i, char quote, bool backslashEscapes)
    {
        while (i < sql.Length)
        {
            if (backslashEscapes && sql[i] == '\\')
            {
                i += 2;
                continue;
            }

            if (sql[i] == quote)
            {
                if (At(sql, i + 1) == quote)
                {
                    i += 2;
                    continue;
                }

                return i + 1;
            }

            i++;
        }

        return sql.Length;
    }

    private static int SkipBlockComment(string sql, int i)
    {
        var depth = 1;
        while (i < sql.Length && depth > 0)
        {
            if (sql[i] == '/' && At(sql, i + 1) == '*')
            {
                depth++;
                i += 2;
            }
            else if (sql[i] == '*' && At(sql, i + 1) == '/')
            {
                depth--;
                i += 2;
            }
            else
            {
                i++;
            }
        }

        return i;
    }

    private static char At(string sql, int i) => i >= 0 && i < sql.Length ? sql[i] : '\0';

    private static bool IsIdentifierChar(string sql, int i) => At(sql, i) is var c && (char.IsAsciiLetterOrDigit(c) || c == '_');
}
