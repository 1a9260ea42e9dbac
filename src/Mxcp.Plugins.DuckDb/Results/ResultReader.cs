using System.Text.Json.Nodes;
using DuckDB.NET.Native;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Database;

namespace Mxcp.Plugins.DuckDb.Results;

/// <summary>
/// Turns a DuckDB result into a <see cref="JsonArray"/> of row objects keyed by column name (column order kept),
/// reading it chunk by chunk (<c>duckdb_fetch_chunk</c>) and each chunk column by column from the vectors. The
/// <see cref="ResultLimits"/> are checked while reading: a chunk that would take the rows past the row limit is not
/// read, and the estimated JSON size of the rows read is checked after each row, so a result that is too large is
/// refused (and the query stopped, as its result is destroyed) after at most one chunk more than the limit.
/// </summary>
internal static class ResultReader
{
    /// <param name="result">An executed result; the caller keeps ownership (<c>duckdb_destroy_result</c>).</param>
    /// <param name="limits">The largest result accepted; <see langword="null"/> for no limit.</param>
    /// <param name="cancellationToken">Checked between chunks.</param>
    /// <exception cref="ResultTooLargeException">The result is larger than <paramref name="limits"/> allow.</exception>
    public static JsonArray ReadAll(ref DuckDBResult result, ResultLimits? limits, CancellationToken cancellationToken)
    {
        var columnCount = (int)NativeMethods.Query.DuckDBColumnCount(ref result);
        var names = ColumnNames(ref result, columnCount);
        var readers = new ColumnReader[columnCount];
        for (var c = 0; c < columnCount; c++)
        {
            using var type = NativeMethods.Query.DuckDBColumnLogicalType(ref result, c);
            readers[c] = ColumnReaderFactory.Create(type, names[c]);
        }

        var size = new JsonSizeCounter();
        foreach (var reader in readers)
        {
            reader.CountInto(size);
        }

        // Per row: the braces, and each column's quoted name, colon and comma.
        var rowSize = 2 + names.Sum(n => n.Length + 4);
        var checkBytes = limits is { MaxBytes: > 0 };
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

            var count = NativeMethods.DataChunks.DuckDBDataChunkGetSize(chunk);
            if (limits is not null && limits.ExceedsRows(rows.Count + (long)count))
            {
                throw limits.TooManyRows();
            }

            for (var c = 0; c < columnCount; c++)
            {
                readers[c].Attach(NativeMethods.DataChunks.DuckDBDataChunkGetVector(chunk, c));
            }

            for (var row = 0UL; row < count; row++)
            {
                var obj = new JsonObject();
                for (var c = 0; c < columnCount; c++)
                {
                    obj.Add(names[c], readers[c].Read(row));
                }

                rows.Add(obj);
                size.Bytes += rowSize;
                if (checkBytes && limits!.ExceedsBytes(size.Bytes))
                {
                    throw limits.TooManyBytes();
                }
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
