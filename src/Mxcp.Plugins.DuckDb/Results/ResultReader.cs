using System.Text.Json.Nodes;
using Mxcp.Plugins.DuckDb.Database;
using Mxcp.Plugins.DuckDb.Native;

namespace Mxcp.Plugins.DuckDb.Results;

/// <summary>
/// Turns a DuckDB result into a <see cref="JsonArray"/> of row objects keyed by column name (column order kept),
/// reading it chunk by chunk (<c>duckdb_fetch_chunk</c>) and each chunk column by column from the vectors.
/// </summary>
internal static unsafe class ResultReader
{
    public static JsonArray ReadAll(ResultHandle result, CancellationToken cancellationToken)
    {
        var r = result.Pointer;
        var columnCount = (int)NativeMethods.duckdb_column_count(r);
        var names = ColumnNames(r, columnCount);
        var readers = new ColumnReader[columnCount];
        for (var c = 0; c < columnCount; c++)
        {
            var type = NativeMethods.duckdb_column_logical_type(r, (ulong)c);
            try
            {
                readers[c] = ColumnReaderFactory.Create(type, names[c]);
            }
            finally
            {
                NativeMethods.duckdb_destroy_logical_type(ref type);
            }
        }

        var rows = new JsonArray();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = NativeMethods.duckdb_fetch_chunk(*r);
            if (chunk == 0)
            {
                var error = NativeText.Borrowed(NativeMethods.duckdb_result_error(r));
                if (error is not null)
                {
                    throw new DuckDbException(error);
                }

                return rows;
            }

            try
            {
                var size = NativeMethods.duckdb_data_chunk_get_size(chunk);
                for (var c = 0; c < columnCount; c++)
                {
                    readers[c].Attach(NativeMethods.duckdb_data_chunk_get_vector(chunk, (ulong)c));
                }

                for (var row = 0UL; row < size; row++)
                {
                    var obj = new JsonObject();
                    for (var c = 0; c < columnCount; c++)
                    {
                        obj.Add(names[c], readers[c].Read(row));
                    }

                    rows.Add(obj);
                }
            }
            finally
            {
                NativeMethods.duckdb_destroy_data_chunk(ref chunk);
            }
        }
    }

    /// <summary>Column names, made unique the way DuckDB's own clients do it (<c>a</c>, <c>a_1</c>, <c>a_2</c>).</summary>
    private static string[] ColumnNames(DuckDbResult* result, int count)
    {
        var names = new string[count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var c = 0; c < count; c++)
        {
            var name = NativeText.Borrowed(NativeMethods.duckdb_column_name(result, (ulong)c)) ?? $"column{c}";
            var unique = name;
            for (var n = 1; !seen.Add(unique); n++)
            {
                unique = $"{name}_{n}";
            }

            names[c] = unique;
        }

        return names;
    }
}
