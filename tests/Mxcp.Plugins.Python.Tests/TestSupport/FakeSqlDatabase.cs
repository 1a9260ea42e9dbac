using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.Python.Tests.TestSupport;

/// <summary>
/// Stands in for DuckDB: records every query with its parameters and call context, and answers with one row that
/// describes what it received (each parameter's CLR type and value) unless a table was put in <see cref="Tables"/>.
/// </summary>
internal sealed class FakeSqlDatabase : ISqlDatabase
{
    public ConcurrentQueue<(string Sql, IReadOnlyDictionary<string, object?> Parameters, CallContext? Context)> Queries { get; } = new();

    /// <summary>Rows answered for a SQL text, instead of the description row.</summary>
    public ConcurrentDictionary<string, JsonArray> Tables { get; } = new();

    public ValueTask<JsonArray> QueryAsync(string sql, IReadOnlyDictionary<string, object?>? parameters = null, CallContext? context = null, CancellationToken cancellationToken = default)
    {
        var values = parameters ?? new Dictionary<string, object?>();
        Queries.Enqueue((sql, values, context));
        if (sql.StartsWith("fail", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("Parser Error: syntax error at or near \"fail\"");
        }

        if (Tables.TryGetValue(sql, out var rows))
        {
            return ValueTask.FromResult((JsonArray)rows.DeepClone());
        }

        var row = new JsonObject { ["sql"] = sql, ["user"] = context?.User?.Username };
        foreach (var (name, value) in values)
        {
            row[name] = value is null ? null : $"{value.GetType().Name}:{Format(value)}";
        }

        return ValueTask.FromResult(new JsonArray(row));
    }

    private static string Format(object value) => value switch
    {
        byte[] bytes => Convert.ToHexString(bytes),
        System.Collections.IEnumerable items and not string => "[" + string.Join(",", items.Cast<object?>().Select(i => i is null ? "null" : Format(i))) + "]",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
