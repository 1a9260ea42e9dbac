using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using DuckDB.NET.Native;
using Mxcp.Plugins.DuckDb.Database;
using Mxcp.Plugins.DuckDb.Results;

namespace Mxcp.Benchmarks;

/// <summary>
/// Reading DuckDB results into JSON (the DuckDB plugin's <see cref="ResultReader"/>): one prepared query over an
/// orders-like table (BIGINT, INTEGER, TIMESTAMP, VARCHAR, DECIMAL, DOUBLE, BOOLEAN) is executed (streaming, as the
/// executor does) and then either only fetched chunk by chunk (the baseline: DuckDB's own cost), read into
/// <see cref="JsonArray"/> rows, or read and written as JSON text. The last one runs the whole
/// <see cref="DuckDbConnection.Execute"/> (statement extraction, preparation, execution, reading) for comparison.
/// </summary>
[MemoryDiagnoser]
public class DuckDbChunkReadingBenchmarks
{
    private string _root = null!;
    private DuckDbDatabase _database = null!;
    private DuckDbConnection _connection = null!;
    private DuckDBExtractedStatements _statements = null!;
    private DuckDBPreparedStatement _prepared = null!;
    private string _sql = null!;

    [Params(1, 2048, 50_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _root = Directory.CreateTempSubdirectory("mxcp-bench-duckdb").FullName;
        _database = DuckDbDatabase.Acquire(Path.Combine(_root, "bench.duckdb"), readOnly: false);
        _connection = _database.Connect();
        _connection.Execute(OrdersTable.CreateSql(50_000), null, CancellationToken.None);

        _sql = $"SELECT * FROM orders ORDER BY order_id LIMIT {Rows}";
        NativeMethods.ExtractStatements.DuckDBExtractStatements(_connection.Native, _sql, out _statements);
        if (NativeMethods.ExtractStatements.DuckDBPrepareExtractedStatement(_connection.Native, _statements, 0, out _prepared) != DuckDBState.Success)
        {
            throw new InvalidOperationException("The benchmark query did not prepare");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _prepared.Dispose();
        _statements.Dispose();
        _connection.Dispose();
        _database.Release();
        Directory.Delete(_root, recursive: true);
    }

    [Benchmark(Baseline = true)]
    public long FetchChunksOnly()
    {
        var result = Execute();
        try
        {
            long rows = 0;
            while (true)
            {
                using var chunk = NativeMethods.Query.DuckDBFetchChunk(result);
                if (chunk.IsInvalid)
                {
                    return rows;
                }

                rows += (long)NativeMethods.DataChunks.DuckDBDataChunkGetSize(chunk);
            }
        }
        finally
        {
            NativeMethods.Query.DuckDBDestroyResult(ref result);
        }
    }

    [Benchmark]
    public JsonArray ReadIntoJsonRows()
    {
        var result = Execute();
        try
        {
            return ResultReader.ReadAll(ref result, null, CancellationToken.None);
        }
        finally
        {
            NativeMethods.Query.DuckDBDestroyResult(ref result);
        }
    }

    [Benchmark]
    public string ReadIntoJsonText() => ReadIntoJsonRows().ToJsonString();

    [Benchmark]
    public JsonArray ConnectionExecute() => _connection.Execute(_sql, null, CancellationToken.None);

    private DuckDBResult Execute()
    {
        if (NativeMethods.PreparedStatements.DuckDBExecutePreparedStreaming(_prepared, out var result) != DuckDBState.Success)
        {
            NativeMethods.Query.DuckDBDestroyResult(ref result);
            throw new InvalidOperationException("The benchmark query failed");
        }

        return result;
    }
}
