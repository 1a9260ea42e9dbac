namespace Mxcp.Plugins.DuckDb.Parameters;

/// <summary>
/// Reads a SQL text the way a parser sees it, skipping string literals (<c>'...'</c>, <c>E'...'</c>,
/// <c>$tag$...$tag$</c>), quoted identifiers and comments: its <c>$name</c> parameters (positional ones, <c>$1</c>, by
/// their number), which validation compares with the declared parameters, so that a statement that does not prepare
/// yet (a table created by an earlier statement) is still checked; and its statements, split at the semicolons between
/// them.
/// </summary>
internal static class SqlParameterScanner
{
    public static SortedSet<string> FindNamedParameters(string sql)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        Scan(sql, names, null);
        return names;
    }

    /// <summary>The statements of <paramref name="sql"/>, without their semicolons; statements with no tokens are left out, as DuckDB does.</summary>
    public static List<string> SplitStatements(string sql)
    {
        var statements = new List<string>();
        var start = 0;
        var tokens = false;
        Scan(sql, null, (position, isToken) =>
        {
            if (position < 0 || sql[position] == ';')
            {
                var end = position < 0 ? sql.Length : position;
                if (tokens)
                {
                    statements.Add(sql[start..end].Trim());
                }

                start = end + 1;
                tokens = false;
            }
            else if (isToken)
            {
                tokens = true;
            }
        });
        return statements;
    }

    /// <param name="sql">The text.</param>
    /// <param name="names">Receives the parameter names, when not <see langword="null"/>.</param>
    /// <param name="visit">
    /// Told of each position outside comments (a semicolon there ends a statement) and whether it is part of a token
    /// (not white space); at the end, position -1.
    /// </param>
    private static void Scan(string sql, SortedSet<string>? names, Action<int, bool>? visit)
    {
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (visit is not null && !(c == '-' && At(sql, i + 1) == '-') && !(c == '/' && At(sql, i + 1) == '*'))
            {
                visit(i, !char.IsWhiteSpace(c));
            }

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

        visit?.Invoke(-1, false);
    }

    private static int ReadDollar(string sql, int start, SortedSet<string>? names)
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
            names?.Add(word);
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
