using System.Text.RegularExpressions;

namespace Mxcp.Plugins.DuckDb.Database;

/// <summary>Quoting for the few SQL texts the plugin builds itself (extensions, secrets).</summary>
internal static partial class SqlText
{
    /// <summary><c>"name"</c>, with embedded quotes doubled.</summary>
    public static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary><c>'text'</c>, with embedded quotes doubled.</summary>
    public static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Whether <paramref name="word"/> can be written as a bare keyword or option name.</summary>
    public static bool IsSimpleName(string word) => SimpleName().IsMatch(word);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex SimpleName();
}
