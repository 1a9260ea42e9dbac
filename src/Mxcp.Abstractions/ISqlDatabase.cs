using System.Text.Json.Nodes;

namespace Mxcp.Abstractions;

/// <summary>
/// The project's SQL database (DuckDB in the standard distribution), for plugins and runtime features that
/// need to query it: the same connection pool, settings and user-context SQL functions as SQL endpoints.
/// </summary>
public interface ISqlDatabase
{
    /// <summary>Runs one SQL statement with named <c>$name</c> parameters and returns its rows.</summary>
    /// <param name="sql">The SQL text.</param>
    /// <param name="parameters">Parameter values by name (without <c>$</c>); see <see cref="EndpointInvocation.Arguments"/> for the value types.</param>
    /// <param name="context">The call the query runs for; user-context SQL functions read it. <see langword="null"/> outside calls.</param>
    /// <param name="cancellationToken">Cancels (interrupts) the query.</param>
    /// <returns>One JSON object per row, keyed by column name.</returns>
    ValueTask<JsonArray> QueryAsync(string sql, IReadOnlyDictionary<string, object?>? parameters = null, CallContext? context = null, CancellationToken cancellationToken = default);
}
