using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Configuration;
using Mxcp.Plugins.DuckDb.Database;

namespace Mxcp.Plugins.DuckDb.Execution;

/// <summary>
/// The built-in SQL tools of <c>sql_tools.enabled: true</c>: <c>execute_sql_query(sql)</c>, <c>list_tables()</c> and
/// <c>get_table_schema(table_name)</c>, with the reference's titles, annotations and default descriptions
/// (overridable by <c>sql_tools.&lt;tool&gt;.description</c>).
/// </summary>
internal static class BuiltInSqlTools
{
    public const string ExecuteSqlQuery = "execute_sql_query";
    public const string ListTables = "list_tables";
    public const string GetTableSchema = "get_table_schema";

    public const string ListTablesSql =
        "SELECT table_name AS name, table_type AS type FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name";

    public const string GetTableSchemaSql =
        "SELECT column_name AS name, data_type AS type, is_nullable AS nullable FROM information_schema.columns " +
        "WHERE table_name = $table_name ORDER BY ordinal_position";

    public static IReadOnlyList<EndpointDefinition> Create(SqlToolsSettings settings)
    {
        if (!settings.Enabled)
        {
            return [];
        }

        var rows = new TypeSchema { Type = SchemaType.Array, Items = new TypeSchema { Type = SchemaType.Object } };
        return
        [
            Tool(settings, ExecuteSqlQuery,
                "Execute a SQL query against the DuckDB database and return the results as a list of records",
                new EndpointAnnotations { Title = "SQL Query Executor", ReadOnlyHint = false, DestructiveHint = true, IdempotentHint = false, OpenWorldHint = false },
                [new ParameterDefinition("sql", new TypeSchema { Type = SchemaType.String, Description = "The SQL query to execute" })],
                rows),
            Tool(settings, ListTables,
                "List all tables in the DuckDB database",
                ReadOnlyAnnotations("Database Table Lister"),
                [],
                rows),
            Tool(settings, GetTableSchema,
                "Get the schema for a specific table in the DuckDB database",
                ReadOnlyAnnotations("Table Schema Inspector"),
                [new ParameterDefinition("table_name", new TypeSchema { Type = SchemaType.String, Description = "The name of the table" })],
                rows),
        ];
    }

    /// <summary>The SQL and parameters a built-in tool call runs.</summary>
    public static (string Sql, IReadOnlyDictionary<string, object?> Parameters) Resolve(EndpointInvocation invocation) =>
        invocation.Endpoint.Name switch
        {
            ExecuteSqlQuery => (invocation.Arguments.GetValueOrDefault("sql") as string is { Length: > 0 } sql
                ? sql
                : throw new DuckDbException("execute_sql_query needs a non-empty 'sql' argument"), new Dictionary<string, object?>()),
            ListTables => (ListTablesSql, new Dictionary<string, object?>()),
            GetTableSchema => (GetTableSchemaSql, new Dictionary<string, object?> { ["table_name"] = invocation.Arguments.GetValueOrDefault("table_name") }),
            _ => throw new DuckDbException($"Unknown built-in SQL tool '{invocation.Endpoint.Name}'"),
        };

    private static EndpointAnnotations ReadOnlyAnnotations(string title) =>
        new() { Title = title, ReadOnlyHint = true, DestructiveHint = false, IdempotentHint = true, OpenWorldHint = false };

    private static EndpointDefinition Tool(
        SqlToolsSettings settings, string name, string description, EndpointAnnotations annotations,
        IReadOnlyList<ParameterDefinition> parameters, TypeSchema returns) =>
        new()
        {
            Kind = EndpointKind.Tool,
            Name = name,
            Description = settings.Descriptions.GetValueOrDefault(name, description),
            Annotations = annotations,
            Parameters = parameters,
            Return = returns,
            Language = "sql",
            IsBuiltIn = true,
        };
}
