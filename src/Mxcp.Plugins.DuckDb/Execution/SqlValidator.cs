using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Database;
using Mxcp.Plugins.DuckDb.Parameters;

namespace Mxcp.Plugins.DuckDb.Execution;

/// <summary>
/// The checks <c>mxcp validate</c> and start-up run on a SQL endpoint: the <c>$names</c> used over all statements must
/// be exactly the declared parameters, then every statement must prepare.
/// </summary>
internal static class SqlValidator
{
    public const string MismatchPrefix = "Parameter mismatch: ";
    public const string SyntaxPrefix = "Source code syntax validation failed: ";

    /// <summary>
    /// <c>Parameter mismatch: missing={a, b}, extra={c}</c>, where <c>missing</c> are used by the SQL but not declared
    /// and <c>extra</c> are declared but not used; only the non-empty sides are listed, sorted. <see langword="null"/> when they match.
    /// </summary>
    public static string? ParameterMismatch(EndpointDefinition endpoint, string sql)
    {
        var used = SqlParameterScanner.FindNamedParameters(sql);
        var declared = new SortedSet<string>(endpoint.Parameters.Select(p => p.Name), StringComparer.Ordinal);
        var missing = used.Except(declared, StringComparer.Ordinal).ToList();
        var extra = declared.Except(used, StringComparer.Ordinal).ToList();
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

    public static IReadOnlyList<string> Validate(DuckDbConnection connection, EndpointDefinition endpoint, string sql)
    {
        if (ParameterMismatch(endpoint, sql) is { } mismatch)
        {
            return [mismatch];
        }

        return connection.CheckSyntax(sql) is { } error ? [SyntaxPrefix + error] : [];
    }
}
