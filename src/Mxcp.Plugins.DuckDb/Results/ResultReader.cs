using System.Text.Json.Nodes;
using DuckDB.NET.Native;
using Mxcp.Plugins.DuckDb.Database;

namespace Mxcp.Plugins.DuckDb.Results;

/// <summary>
/// Turns a DuckDB result into a <see cref="JsonArray"/> of row objects keyed by column name (column order kept),
/// reading it chunk by chunk (<c>duckdb_fetch_chunk</c>) and each chunk column by column from the vectors.
/// </summary>
internal static class ResultReader
{
    /// <param name="result">An executed result; the caller keeps ownership (<c>duckdb_destroy_result</c>).</param>
    /// <param name="cancellationToken">Checked between chunks.</param>
    public static JsonArray ReadAll(ref DuckDBResult result, CancellationToken cancellationToken)
    {
        var columnCount = (int)NativeMethods.Query.DuckDBColumnCount(ref result);
        var names = ColumnNames(ref result, columnCount);
        var readers = new ColumnReader[columnCount];
        for (var c = 0; c < columnCount; c++)
        {
            using var type = NativeMethods.Query.DuckDBColumnLogicalType(ref result, c);
            readers[c] = ColumnReaderFactory.Create(type, names[c]);
        }

        var rows = new JsonArray();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var chunk = NativeMethods.Query.DuckDBFetchChunk(result);
            if (chunk.IsInvalid)
            {
                if (NativeMethods.Query.DuckDBResultError(ref result) is { } error)
                {
                    throw new DuckDbException(error);
                }

                return rows;
            }

            var size = NativeMethods.DataChunks.DuckDBDataChunkGetSize(chunk);
            for (var c = 0; c < columnCount; c++)
            {
                readers[c].Attach(NativeMethods.DataChunks.DuckDBDataChunkGetVector(chunk, c));
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
    }

    /// <summary>Column names, made unique the way DuckDB's own clients do it (<c>a</c>, <c>a_1</c>, <c>a_2</c>).</summary>
    private static string[] ColumnNames(ref DuckDBResult result, int count)
    {
        var names = new string[count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var c = 0; c < count; c++)
        {
            var name = NativeMethods.Query.DuckDBColumnName(ref result, c) ?? $"column{c}";
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
