using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using DuckDB.NET.Native;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Database;
using Mxcp.Shared;

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
        var rows = new JsonArray();
        Read(ref result, limits, cancellationToken, (names, readers, row) =>
        {
            var obj = new JsonObject();
            for (var c = 0; c < readers.Length; c++)
            {
                obj.Add(names[c], readers[c].Read(row));
            }

            rows.Add(obj);
        });
        return rows;
    }

    /// <summary>
    /// The same rows as <see cref="ReadAll"/>, written as JSON (the same bytes <see cref="ReadAll"/>'s array writes)
    /// into 64 KiB chunks, without a node per value for the common types.
    /// </summary>
    /// <inheritdoc cref="ReadAll" path="/param"/>
    /// <inheritdoc cref="ReadAll" path="/exception"/>
    public static WrittenRows WriteAll(ref DuckDBResult result, ResultLimits? limits, CancellationToken cancellationToken)
    {
        var output = new ChunkedBufferWriter();
        using var writer = new Utf8JsonWriter(output);
        JsonEncodedText[]? encoded = null;
        writer.WriteStartArray();
        var count = Read(ref result, limits, cancellationToken, (names, readers, row) =>
        {
            encoded ??= [.. names.Select(n => JsonEncodedText.Encode(n))];
            writer.WriteStartObject();
            for (var c = 0; c < readers.Length; c++)
            {
                writer.WritePropertyName(encoded[c]);
                readers[c].Write(writer, row);
            }

            writer.WriteEndObject();
        });
        writer.WriteEndArray();
        writer.Flush();
        return new WrittenRows(output.ToSequence(), count);
    }

    /// <summary>Reads every row through <paramref name="row"/>, checking the limits; returns the number of rows.</summary>
    private static long Read(ref DuckDBResult result, ResultLimits? limits, CancellationToken cancellationToken, Action<string[], ColumnReader[], ulong> row)
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
        long rows = 0;
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
            if (limits is not null && limits.ExceedsRows(rows + (long)count))
            {
                throw limits.TooManyRows();
            }

            for (var c = 0; c < columnCount; c++)
            {
                readers[c].Attach(NativeMethods.DataChunks.DuckDBDataChunkGetVector(chunk, c));
            }

            for (var i = 0UL; i < count; i++)
            {
                row(names, readers, i);
                rows++;
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

/// <summary>A result written as JSON (an array of row objects) and how many rows it has.</summary>
internal readonly record struct WrittenRows(ReadOnlySequence<byte> Json, long Count);
