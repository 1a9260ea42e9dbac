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
        var sink = new NodeSink(int.MaxValue);
        Read(ref result, limits, cancellationToken, ref sink);
        return sink.Rows;
    }

    /// <summary>
    /// The same rows as <see cref="ReadAll"/>, for a result that is only written out: up to
    /// <paramref name="nodeRows"/> rows it is that array; past them, the rows are written as JSON (the same bytes the
    /// array writes) into chunks, without a node per value for the common types (<see cref="WrittenJson"/>).
    /// </summary>
    /// <param name="result">An executed result; the caller keeps ownership (<c>duckdb_destroy_result</c>).</param>
    /// <param name="limits">The largest result accepted; <see langword="null"/> for no limit.</param>
    /// <param name="cancellationToken">Checked between chunks.</param>
    /// <param name="nodeRows">How many rows are kept as nodes before the result is written instead.</param>
    /// <exception cref="ResultTooLargeException">The result is larger than <paramref name="limits"/> allow.</exception>
    public static (JsonNode Rows, long Count) ReadForWriting(ref DuckDBResult result, ResultLimits? limits, CancellationToken cancellationToken, int nodeRows)
    {
        var sink = new NodeSink(nodeRows);
        try
        {
            var count = Read(ref result, limits, cancellationToken, ref sink);
            return (sink.Finish(), count);
        }
        finally
        {
            sink.Dispose();
        }
    }

    /// <summary>What is done with each row read.</summary>
    private interface IRowSink
    {
        void Row(string[] names, ColumnReader[] readers, ulong row);
    }

    /// <summary>Rows as nodes, up to a number of rows; past it, everything written as JSON.</summary>
    private struct NodeSink(int nodeRows) : IRowSink, IDisposable
    {
        private ChunkedBufferWriter? _output;
        private Utf8JsonWriter? _writer;
        private JsonEncodedText[]? _names;

        public JsonArray Rows { get; } = [];

        public void Row(string[] names, ColumnReader[] readers, ulong row)
        {
            if (_writer is null && Rows.Count < nodeRows)
            {
                var obj = new JsonObject();
                for (var c = 0; c < readers.Length; c++)
                {
                    obj.Add(names[c], readers[c].Read(row));
                }

                Rows.Add(obj);
                return;
            }

            if (_writer is null)
            {
                _output = new ChunkedBufferWriter();
                _writer = new Utf8JsonWriter(_output);
                _names = [.. names.Select(n => JsonEncodedText.Encode(n))];
                _writer.WriteStartArray();
                foreach (var node in Rows)
                {
                    node!.WriteTo(_writer);
                }

                Rows.Clear();
            }

            _writer.WriteStartObject();
            for (var c = 0; c < readers.Length; c++)
            {
                _writer.WritePropertyName(_names![c]);
                readers[c].Write(_writer, row);
            }

            _writer.WriteEndObject();
        }

        /// <summary>The array, or the JSON written when the rows went past the number kept as nodes.</summary>
        public readonly JsonNode Finish()
        {
            if (_writer is null)
            {
                return Rows;
            }

            _writer.WriteEndArray();
            _writer.Flush();
            return WrittenJson.Create(_output!.ToSequence());
        }

        public readonly void Dispose() => _writer?.Dispose();
    }

    /// <summary>Reads every row into <paramref name="sink"/>, checking the limits; returns the number of rows.</summary>
    private static long Read<TSink>(ref DuckDBResult result, ResultLimits? limits, CancellationToken cancellationToken, ref TSink sink)
        where TSink : struct, IRowSink
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
                sink.Row(names, readers, i);
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
