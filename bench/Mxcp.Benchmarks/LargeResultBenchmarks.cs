using System.Text.Json;
using BenchmarkDotNet.Attributes;
using DuckDB.NET.Native;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Mxcp.Plugins.DuckDb.Database;
using Mxcp.Plugins.DuckDb.Results;
using Mxcp.Runtime.Mcp;

namespace Mxcp.Benchmarks;

/// <summary>
/// A 100,000-row result (the harness's <c>rows100k</c> workload, on the orders-like table) from DuckDB's chunks to the
/// answer. Baseline <c>RowsAndText</c>: Mxcp's part, the rows read into JSON nodes and written as the text content of
/// the tool result (<see cref="McpResultMapper.ToText"/>). <c>RowsTextAndSdk</c> adds what the MCP SDK does with that
/// text: the result serialized to a node (its JSON-RPC response) and written out, the share that is not Mxcp's.
/// <c>RowsWritten</c>: the rows written as JSON without nodes, as write-only tool calls read them.
/// </summary>
[MemoryDiagnoser]
public class LargeResultBenchmarks
{
    private string _root = null!;
    private DuckDbDatabase _database = null!;
    private DuckDbConnection _connection = null!;
    private DuckDBExtractedStatements _statements = null!;
    private DuckDBPreparedStatement _prepared = null!;

    [Params(100_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _root = Directory.CreateTempSubdirectory("mxcp-bench-large").FullName;
        _database = DuckDbDatabase.Acquire(Path.Combine(_root, "bench.duckdb"), readOnly: false);
        _connection = _database.Connect();
        _connection.Execute(OrdersTable.CreateSql(Rows), null, CancellationToken.None);
        var sql = "SELECT order_id, customer_id, ordered_at, status, amount FROM orders ORDER BY order_id";
        NativeMethods.ExtractStatements.DuckDBExtractStatements(_connection.Native, sql, out _statements);
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
    public int RowsAndText() => McpResultMapper.ToText(Read()).Length;

    [Benchmark]
    public long RowsTextAndSdk()
    {
        var result = new CallToolResult { Content = [new TextContentBlock { Text = McpResultMapper.ToText(Read()) }] };
        var node = JsonSerializer.SerializeToNode(result, McpJsonUtilities.DefaultOptions.GetTypeInfo<CallToolResult>());
        using var writer = new Utf8JsonWriter(Stream.Null);
        node!.WriteTo(writer);
        writer.Flush();
        return writer.BytesCommitted;
    }

    /// <summary>
    /// What a write-only tool call (no return type, no output rules) does since 2026-12-06: the rows written as JSON
    /// straight from the vectors into 64 KiB chunks (none kept as nodes here), then read back as the text.
    /// </summary>
    [Benchmark]
    public long RowsWritten()
    {
        if (NativeMethods.PreparedStatements.DuckDBExecutePreparedStreaming(_prepared, out var result) != DuckDBState.Success)
        {
            NativeMethods.Query.DuckDBDestroyResult(ref result);
            throw new InvalidOperationException("The benchmark query failed");
        }

        try
        {
            var (rows, _) = ResultReader.ReadForWriting(ref result, null, CancellationToken.None, nodeRows: 0);
            return Mxcp.Abstractions.WrittenJson.TryGet(rows, out var json) ? json.Length : throw new InvalidOperationException("The rows were not written");
        }
        finally
        {
            NativeMethods.Query.DuckDBDestroyResult(ref result);
        }
    }

    private System.Text.Json.Nodes.JsonArray Read()
    {
        if (NativeMethods.PreparedStatements.DuckDBExecutePreparedStreaming(_prepared, out var result) != DuckDBState.Success)
        {
            NativeMethods.Query.DuckDBDestroyResult(ref result);
            throw new InvalidOperationException("The benchmark query failed");
        }

        try
        {
            return ResultReader.ReadAll(ref result, null, CancellationToken.None);
        }
        finally
        {
            NativeMethods.Query.DuckDBDestroyResult(ref result);
        }
    }
}
