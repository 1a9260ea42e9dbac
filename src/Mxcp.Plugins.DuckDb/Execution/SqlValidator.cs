using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Database;
using Mxcp.Plugins.DuckDb.Parameters;

namespace Mxcp.Plugins.DuckDb.Execution;

/// <summary>
/// The checks <c>mxcp validate</c> and start-up run on a SQL endpoint: every <c>$name</c> used over all statements must
/// be a declared parameter, then every statement must prepare. A declared parameter the SQL never reads is only a
/// warning: the call still runs (as in the reference, whose <c>run</c> does not check it).
/// </summary>
internal static class SqlValidator
{
    public const string MismatchPrefix = "Parameter mismatch: ";
    public const string SyntaxPrefix = "Source code syntax validation failed: ";

    public static IReadOnlyList<string> Validate(DuckDbConnection connection, EndpointDefinition endpoint, string sql)
    {
        var (missing, extra) = Compare(endpoint, sql);
        if (missing.Count > 0)
        {
            return [Describe(missing, extra)!];
        }

        return connection.CheckSyntax(sql) is { } error ? [SyntaxPrefix + error] : [];
    }

    /// <summary>The declared parameters the SQL never reads, when every parameter it reads is declared.</summary>
    public static IReadOnlyList<string> Warnings(EndpointDefinition endpoint, string sql)
    {
        var (missing, extra) = Compare(endpoint, sql);
        return missing.Count == 0 && extra.Count > 0
            ? [Describe(missing, extra) + " (declared but not used by the SQL; calls ignore them)"]
            : [];
    }

    private static (List<string> Missing, List<string> Extra) Compare(EndpointDefinition endpoint, string sql)
    {
        var used = SqlParameterScanner.FindNamedParameters(sql);
        var declared = new SortedSet<string>(endpoint.Parameters.Select(p => p.Name), StringComparer.Ordinal);
        return (used.Except(declared, StringComparer.Ordinal).ToList(), declared.Except(used, StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// <c>Parameter mismatch: missing={a, b}, extra={c}</c>, where <c>missing</c> are used by the SQL but not declared
    /// and <c>extra</c> are declared but not used; only the non-empty sides are listed, sorted.
    /// </summary>
    private static string? Describe(List<string> missing, List<string> extra)
    {
        if (missing.Count == 0 && extra.Count == 0)
        {
            return null;
        }

        var sides = new List<string>(2);
        if (missing.Count > 0)
        {
            sides.Add("missing={" + string.Join(", ", missing) + "}");
        }

        if (extra.Count > 0)
        {
            sides.Add("extra={" + string.Join(", ", extra) + "}");
        }

        return MismatchPrefix + string.Join(", ", sides);
    }
}
