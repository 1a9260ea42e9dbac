using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Plugins.DuckDb.Database;
using Mxcp.Plugins.DuckDb.Native;
using Mxcp.Plugins.DuckDb.Parameters;

namespace Mxcp.Plugins.DuckDb.Execution;

/// <summary>
/// What <c>execute_sql_query</c> refuses, checked statement by statement just before each one runs (after the ones
/// before it ran, so that a statement can use a table an earlier one created):
/// <list type="bullet">
/// <item>on a read-only server, every statement but a query (<c>SELECT</c>, <c>EXPLAIN</c>): <c>COPY ... TO</c>,
/// <c>EXPORT DATABASE</c>, <c>ATTACH</c>, <c>INSTALL</c>, <c>SET</c>, ... (read-only means no file writes either);</item>
/// <item>anything that reads DuckDB's secrets: the plan of each statement that can return or store data is asked for
/// (<c>EXPLAIN</c>, which sees through views, macros, <c>query()</c> and prepared statements), and a plan that scans
/// <c>duckdb_secrets()</c> is refused, because DuckDB shows some secret values unredacted there
/// (<c>extra_http_headers</c> of an <c>http</c> secret);</item>
/// <item>statements whose effect cannot be checked that way (<c>SET VARIABLE x = (SELECT ...)</c>).</item>
/// </list>
/// The file sandbox of the database (<see cref="DatabaseSetup.ApplySandbox"/>) keeps every statement to the project's files.
/// </summary>
internal sealed class SqlToolGuard(string sql, bool readOnly)
{
    private const string SecretsFunction = "DUCKDB_SECRETS";

    /// <summary>Statements whose plan can read data into a result, a table, a file or a prepared statement.</summary>
    private static readonly HashSet<StatementKind> Planned =
    [
        StatementKind.Select, StatementKind.Insert, StatementKind.Update, StatementKind.Delete, StatementKind.Create,
        StatementKind.Copy, StatementKind.Execute, StatementKind.Call, StatementKind.Pragma,
    ];

    /// <summary>Statements that read no data (their effect is on the catalog, the transaction or the settings).</summary>
    private static readonly HashSet<StatementKind> Unplanned =
    [
        StatementKind.Explain, StatementKind.Prepare, StatementKind.Alter, StatementKind.Transaction, StatementKind.Analyze,
        StatementKind.CreateFunc, StatementKind.Drop, StatementKind.Export, StatementKind.Vacuum, StatementKind.Set,
        StatementKind.Load, StatementKind.Attach, StatementKind.Detach,
    ];

    private readonly List<string> _statements = SqlParameterScanner.SplitStatements(sql);

    public void Check(DuckDbConnection connection, int index, int count, StatementKind kind)
    {
        if (count != _statements.Count)
        {
            throw new DuckDbException(
                $"execute_sql_query could not check this SQL: DuckDB reads {count} statement(s) in it where {_statements.Count} were expected; send one statement at a time");
        }

        if (readOnly && kind is not (StatementKind.Select or StatementKind.Explain))
        {
            throw new DuckDbException(
                $"execute_sql_query runs only queries (SELECT) while the server is read-only; statement {index + 1} is {Describe(kind)}");
        }

        if (Unplanned.Contains(kind))
        {
            return;
        }

        if (!Planned.Contains(kind))
        {
            throw new DuckDbException($"execute_sql_query does not run {Describe(kind)} statements");
        }

        JsonArray plan;
        try
        {
            plan = connection.Execute("EXPLAIN (FORMAT json) " + _statements[index], null, CancellationToken.None);
        }
        catch (DuckDbException e)
        {
            throw new DuckDbException($"execute_sql_query could not check statement {index + 1}: {e.Message}", e);
        }

        foreach (var row in plan)
        {
            if (row?["explain_value"] is JsonValue value && value.TryGetValue<string>(out var json) && ScansSecrets(json))
            {
                throw new DuckDbException("execute_sql_query does not read DuckDB's secrets (duckdb_secrets()): their values must not leave the server");
            }
        }
    }

    private static bool ScansSecrets(string planJson)
    {
        JsonNode? plan;
        try
        {
            plan = JsonNode.Parse(planJson);
        }
        catch (JsonException)
        {
            // Not the JSON plan asked for: fail closed.
            return true;
        }

        return Scans(plan);

        static bool Scans(JsonNode? node) => node switch
        {
            JsonArray array => array.Any(Scans),
            JsonObject obj => IsSecrets(obj["name"]) || (obj["extra_info"] is JsonObject info && IsSecrets(info["Function"])) || Scans(obj["children"]),
            _ => false,
        };

        static bool IsSecrets(JsonNode? name) =>
            name is JsonValue v && v.TryGetValue<string>(out var text) && string.Equals(text.Trim(), SecretsFunction, StringComparison.OrdinalIgnoreCase);
    }

    private static string Describe(StatementKind kind) => kind switch
    {
        StatementKind.Copy => "a COPY",
        StatementKind.Export => "an EXPORT DATABASE",
        StatementKind.Attach => "an ATTACH",
        StatementKind.Detach => "a DETACH",
        StatementKind.Load => "a LOAD or INSTALL",
        StatementKind.Set or StatementKind.VariableSet => "a SET",
        StatementKind.Insert => "an INSERT",
        StatementKind.Update => "an UPDATE",
        StatementKind.Delete => "a DELETE",
        StatementKind.Create or StatementKind.CreateFunc => "a CREATE",
        StatementKind.Drop => "a DROP",
        StatementKind.Alter => "an ALTER",
        StatementKind.Pragma => "a PRAGMA",
        StatementKind.Call => "a CALL",
        StatementKind.Execute => "an EXECUTE",
        StatementKind.Prepare => "a PREPARE",
        StatementKind.Transaction => "a transaction",
        StatementKind.Vacuum => "a VACUUM",
        StatementKind.Analyze => "an ANALYZE",
        _ => $"a {kind.ToString().ToUpperInvariant()}",
    };
}
