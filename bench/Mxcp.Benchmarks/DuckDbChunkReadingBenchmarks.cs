using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Mxcp.Plugins.DuckDb.Database;
using Mxcp.Plugins.DuckDb.Native;
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
public unsafe class DuckDbChunkReadingBenchmarks
{
    private string _root = null!;
    private DuckDbDatabase _database = null!;
    private DuckDbConnection _connection = null!;
    private ExtractedStatementsHandle _statements = null!;
    private PreparedStatementHandle _prepared = null!;
    private string _sql = null!;

    [Params(1, 2048, 50_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _root = Directory.CreateTempSubdirectory("mxcp-bench-duckdb").FullName;
        _database = DuckDbDatabase.Acquire(Path.Combine(_root, "bench.duckdb"), readOnly: false);
        _connection = _database.Connect();
        _connection.Execute("""
            CREATE TABLE orders AS
            SELECT i AS order_id,
                   (1 + hash(i * 41) % 100000)::INTEGER AS customer_id,
                   TIMESTAMP '2024-01-01' + INTERVAL (hash(i * 43) % 525600) MINUTE AS ordered_at,
                   ['delivered', 'shipped', 'cancelled'][1 + (hash(i * 47) % 3)::INT] AS status,
                   (1 + hash(i * 53) % 50000 / 100.0)::DECIMAL(10, 2) AS amount,
                   (hash(i) % 1000) / 7.0 AS score,
                   i % 2 = 0 AS paid
            FROM range(1, 50001) t(i)
            """, null, CancellationToken.None);

        _sql = $"SELECT * FROM orders ORDER BY order_id LIMIT {Rows}";
        NativeMethods.duckdb_extract_statements(_connection.Handle, _sql, out var statements);
        _statements = new ExtractedStatementsHandle(statements);
        if (NativeMethods.duckdb_prepare_extracted_statement(_connection.Handle, _statements, 0, out var prepared) != DuckDbState.Success)
        {
            throw new InvalidOperationException("The benchmark query did not prepare");
        }

        _prepared = new PreparedStatementHandle(prepared);
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
        using var result = Execute();
        long rows = 0;
        while (NativeMethods.duckdb_fetch_chunk(*result.Pointer) is var chunk && chunk != 0)
        {
            rows += (long)NativeMethods.duckdb_data_chunk_get_size(chunk);
            NativeMethods.duckdb_destroy_data_chunk(ref chunk);
        }

        return rows;
    }

    [Benchmark]
    public JsonArray ReadIntoJsonRows()
    {
        using var result = Execute();
        return ResultReader.ReadAll(result, CancellationToken.None);
    }

    [Benchmark]
    public string ReadIntoJsonText()
    {
        using var result = Execute();
        return ResultReader.ReadAll(result, CancellationToken.None).ToJsonString();
    }

    [Benchmark]
    public JsonArray ConnectionExecute() => _connection.Execute(_sql, null, CancellationToken.None);

    private ResultHandle Execute()
    {
        var result = new ResultHandle();
        if (NativeMethods.duckdb_execute_prepared_streaming(_prepared, result.Pointer) != DuckDbState.Success)
        {
            result.Dispose();
            throw new InvalidOperationException("The benchmark query failed");
        }

        return result;
    }
}
