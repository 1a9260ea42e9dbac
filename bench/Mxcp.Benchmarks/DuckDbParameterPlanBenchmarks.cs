using BenchmarkDotNet.Attributes;
using DuckDB.NET.Native;

namespace Mxcp.Benchmarks;

/// <summary>
/// What a filter parameter costs a point lookup in DuckDB itself, through the C API on one connection: the lookup
/// <c>WHERE order_id = …</c> of one row of 1,000,000 ordered by <c>order_id</c>, in a table with <c>order_id</c> as
/// primary key (<c>keyed</c>) and in the same rows without a key (<c>unkeyed</c>, the <c>bench/run.sh</c> dataset's shape).
/// <list type="bullet">
/// <item><c>KeptWithParameter</c> (baseline): a statement prepared once with <c>$1</c>, the id bound and the statement run
/// on every call: what Mxcp, the bare SDK server, DuckDB alone and the TypeScript server all do.</item>
/// <item><c>KeptWithLiteral</c>: a statement prepared once with the id written in the SQL, run on every call: the plan
/// DuckDB makes when it sees the value (an index scan in <c>keyed</c>, row groups skipped by their minimum and maximum in
/// <c>unkeyed</c>), without planning per call. Not usable for a tool whose argument changes; the plan's own speed.</item>
/// <item><c>PreparedPerCallWithLiteral</c>: the id written in the SQL, prepared and run on every call: what a server
/// that planned each call with its values would pay.</item>
/// </list>
/// Each invocation makes <see cref="Calls"/> calls, so the mean is the time per call.
/// </summary>
[MemoryDiagnoser]
public class DuckDbParameterPlanBenchmarks
{
    /// <summary>Calls per invocation.</summary>
    public const int Calls = 16;

    private const long Id = 424242;

    private DuckDBDatabase _database = null!;
    private DuckDBNativeConnection _connection = null!;
    private DuckDBPreparedStatement _withParameter = null!;
    private DuckDBPreparedStatement _withLiteral = null!;
    private string _literalSql = null!;

    [Params("keyed", "unkeyed")]
    public string Table { get; set; } = "keyed";

    [GlobalSetup]
    public void Setup()
    {
        if (NativeMethods.Startup.DuckDBOpen((string?)null, out _database) != DuckDBState.Success
            || NativeMethods.Startup.DuckDBConnect(_database, out _connection) != DuckDBState.Success)
        {
            throw new InvalidOperationException("Could not open an in-memory DuckDB database");
        }

        Execute("SET threads = 1");
        Execute(Table == "keyed"
            ? "CREATE TABLE orders (order_id BIGINT PRIMARY KEY, customer_id INTEGER, status VARCHAR, amount DECIMAL(10, 2))"
            : "CREATE TABLE orders (order_id BIGINT, customer_id INTEGER, status VARCHAR, amount DECIMAL(10, 2))");
        Execute("""
            INSERT INTO orders
            SELECT i, (1 + hash(i * 41) % 100000)::INTEGER, ['delivered', 'shipped', 'cancelled'][1 + (hash(i * 47) % 3)::INT],
                   (1 + hash(i * 53) % 50000 / 100.0)::DECIMAL(10, 2)
            FROM range(1, 1000001) t(i)
            """);
        const string select = "SELECT order_id, customer_id, status, amount FROM orders WHERE order_id = ";
        _literalSql = select + Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _withParameter = Prepare(select + "$1");
        using (var value = NativeMethods.Value.DuckDBCreateInt64(Id))
        {
            NativeMethods.PreparedStatements.DuckDBBindValue(_withParameter, 1, value);
        }

        _withLiteral = Prepare(_literalSql);
        if (KeptWithParameter() != Calls || KeptWithLiteral() != Calls || PreparedPerCallWithLiteral() != Calls)
        {
            throw new InvalidOperationException("Every call must find the one order");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _withParameter.Dispose();
        _withLiteral.Dispose();
        _connection.Dispose();
        _database.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    public long KeptWithParameter() => RunCalls(_withParameter);

    [Benchmark(OperationsPerInvoke = Calls)]
    public long KeptWithLiteral() => RunCalls(_withLiteral);

    [Benchmark(OperationsPerInvoke = Calls)]
    public long PreparedPerCallWithLiteral()
    {
        long rows = 0;
        for (var i = 0; i < Calls; i++)
        {
            using var statement = Prepare(_literalSql);
            rows += Run(statement);
        }

        return rows;
    }

    private static long RunCalls(DuckDBPreparedStatement statement)
    {
        long rows = 0;
        for (var i = 0; i < Calls; i++)
        {
            rows += Run(statement);
        }

        return rows;
    }

    private static long Run(DuckDBPreparedStatement statement)
    {
        if (NativeMethods.PreparedStatements.DuckDBExecutePreparedStreaming(statement, out var result) != DuckDBState.Success)
        {
            var error = NativeMethods.Query.DuckDBResultError(ref result);
            NativeMethods.Query.DuckDBDestroyResult(ref result);
            throw new InvalidOperationException(error);
        }

        try
        {
            long rows = 0;
            while (true)
            {
                using var chunk = NativeMethods.Query.DuckDBFetchChunk(result);
                var size = chunk.IsInvalid ? 0 : (long)NativeMethods.DataChunks.DuckDBDataChunkGetSize(chunk);
                if (size == 0)
                {
                    return rows;
                }

                rows += size;
            }
        }
        finally
        {
            NativeMethods.Query.DuckDBDestroyResult(ref result);
        }
    }

    private DuckDBPreparedStatement Prepare(string sql)
    {
        if (NativeMethods.PreparedStatements.DuckDBPrepare(_connection, sql, out var statement) != DuckDBState.Success)
        {
            var error = NativeMethods.PreparedStatements.DuckDBPrepareError(statement);
            statement.Dispose();
            throw new InvalidOperationException(error);
        }

        return statement;
    }

    private void Execute(string sql)
    {
        var state = NativeMethods.Query.DuckDBQuery(_connection, sql, out var result);
        var error = state == DuckDBState.Success ? null : NativeMethods.Query.DuckDBResultError(ref result);
        NativeMethods.Query.DuckDBDestroyResult(ref result);
        if (error is not null)
        {
            throw new InvalidOperationException(error);
        }
    }
}
