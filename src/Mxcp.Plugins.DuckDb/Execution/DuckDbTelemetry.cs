using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.DuckDb.Execution;

/// <summary>
/// The DuckDB spans and instruments, on the process-wide <c>mxcp</c> source and meter (<see cref="MxcpTelemetry"/>), so
/// that the host exports them with its own. A query's span (<c>mxcp.duckdb.execute</c>) is a child of the call's and
/// says what kind of statement ran and how many rows came back, never the SQL text or its parameters (only a hash).
/// </summary>
internal static class DuckDbTelemetry
{
    public static readonly ActivitySource Source = new(MxcpTelemetry.ActivitySourceName);

    private static readonly Meter Meter = new(MxcpTelemetry.MeterName);
    private static readonly InstrumentAdvice<double> DurationAdvice = new() { HistogramBucketBoundaries = MxcpTelemetry.DurationBucketsSeconds };

    private static readonly Counter<long> Queries = Meter.CreateCounter<long>("mxcp.duckdb.queries_total", "{query}", "DuckDB queries, by operation and status");
    private static readonly Histogram<double> QueryDuration = Meter.CreateHistogram("mxcp.duckdb.query.duration", "s", "DuckDB query duration, waiting for a connection included", null, DurationAdvice);
    private static readonly UpDownCounter<long> Running = Meter.CreateUpDownCounter<long>("mxcp.duckdb.concurrent_executions", "{query}", "DuckDB queries in progress");
    private static readonly UpDownCounter<long> PoolSize = Meter.CreateUpDownCounter<long>("mxcp.duckdb.pool.size", "{connection}", "Connections in the DuckDB pools");
    private static readonly UpDownCounter<long> PoolBusy = Meter.CreateUpDownCounter<long>("mxcp.duckdb.pool.busy", "{connection}", "DuckDB connections in use");
    private static readonly Histogram<double> PoolWait = Meter.CreateHistogram("mxcp.duckdb.pool.wait.duration", "s", "Time a query waited for a free DuckDB connection", null, DurationAdvice);

    public static void PoolOpened(int size) => PoolSize.Add(size);

    public static void PoolClosed(int size) => PoolSize.Add(-size);

    public static void ConnectionRented(TimeSpan waited)
    {
        PoolBusy.Add(1);
        PoolWait.Record(waited.TotalSeconds);
    }

    public static void ConnectionReturned() => PoolBusy.Add(-1);

    /// <summary>Starts the span and counts the query as running; <see cref="Completed"/> ends both.</summary>
    public static Activity? Started(string sql, int parameterCount, bool readOnly, out string operation)
    {
        operation = Operation(sql);
        Running.Add(1, new KeyValuePair<string, object?>("operation", operation));
        var activity = Source.StartActivity("mxcp.duckdb.execute", ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("db.system", "duckdb");
            activity.SetTag("db.system.name", "duckdb");
            activity.SetTag("db.operation", operation);
            activity.SetTag("db.statement.hash", Hash(sql));
            activity.SetTag("db.parameters.count", parameterCount);
            activity.SetTag("db.readonly", readOnly);
        }

        return activity;
    }

    public static void Completed(Activity? activity, string operation, long started, int? rows, Exception? error)
    {
        var status = error is null ? "success" : "error";
        Running.Add(-1, new KeyValuePair<string, object?>("operation", operation));
        Queries.Add(1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("status", status));
        QueryDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("operation", operation));
        if (activity is null)
        {
            return;
        }

        if (rows is { } n)
        {
            activity.SetTag("db.rows_affected", n);
        }

        if (error is not null)
        {
            activity.SetTag("error.type", error.GetType().FullName);
            activity.SetStatus(ActivityStatusCode.Error, error is OperationCanceledException ? "cancelled" : "query failed");
        }

        activity.Dispose();
    }

    /// <summary>The statement's kind from its first keyword (comments skipped): select, insert, update, delete, create, drop or unknown.</summary>
    public static string Operation(string sql)
    {
        var span = sql.AsSpan();
        while (true)
        {
            span = span.TrimStart();
            if (span.StartsWith("--"))
            {
                var end = span.IndexOf('\n');
                span = end < 0 ? [] : span[(end + 1)..];
            }
            else if (span.StartsWith("/*"))
            {
                var end = span.IndexOf("*/");
                span = end < 0 ? [] : span[(end + 2)..];
            }
            else
            {
                break;
            }
        }

        var length = 0;
        while (length < span.Length && char.IsAsciiLetter(span[length]))
        {
            length++;
        }

        return span[..length].ToString().ToLowerInvariant() switch
        {
            "select" or "with" or "from" or "values" or "table" => "select",
            "insert" => "insert",
            "update" => "update",
            "delete" => "delete",
            "create" => "create",
            "drop" => "drop",
            _ => "unknown",
        };
    }

    /// <summary>The first 16 hex digits of the SHA-256 of the SQL: the same statement always hashes alike, and cannot be read back.</summary>
    public static string Hash(string sql) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)))[..16];
}
