using System.Text.Json.Nodes;
using DuckDB.NET.Native;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Configuration;
using Mxcp.Plugins.DuckDb.Database;
using Mxcp.Plugins.DuckDb.Functions;
using Mxcp.Plugins.DuckDb.Results;

namespace Mxcp.Plugins.DuckDb.Execution;

/// <summary>
/// The <c>sql</c> executor of one project snapshot and the project's <see cref="ISqlDatabase"/>: every call rents a
/// pooled connection (attaching the call for the user-context SQL functions) and runs on that connection's thread, so
/// that a blocking DuckDB call never holds a thread-pool thread. It is also the snapshot's
/// <see cref="ISqlFunctionRegistry"/>: the functions other plugins provide serve the queries of its connections.
/// </summary>
internal sealed class DuckDbExecutor : IEndpointExecutor, ISqlDatabase, ISqlFunctionRegistry
{
    private readonly DuckDbDatabase _database;
    private readonly DuckDbConnectionPool _pool;
    private readonly DuckDbDataSource _dataSource;
    private readonly ILogger _logger;
    private readonly SqlFunctionTable _functions = new();
    private int _disposed;

    public DuckDbExecutor(DuckDbDatabase database, DuckDbConnectionPool pool, DuckDbSettings settings, DuckDbDataSource dataSource, ILogger logger)
    {
        _database = database;
        _pool = pool;
        _dataSource = dataSource;
        _logger = logger;
        Settings = settings;
        NodeRows = 1000;
        BuiltInEndpoints = BuiltInSqlTools.Create(settings.SqlTools);
        database.Functions.Attach(_functions, pool.ConnectionIds);
        dataSource.Attach(database);
    }

    public string Language => "sql";

    public IReadOnlyList<EndpointDefinition> BuiltInEndpoints { get; }

    public DuckDbSettings Settings { get; }

    /// <summary>
    /// For a write-only call (<see cref="EndpointInvocation.WriteOnly"/>): how many rows are read into nodes before the
    /// result is written as JSON instead. Small results stay nodes (writing them would only cost a buffer); large ones
    /// are written without a node per value.
    /// </summary>
    internal int NodeRows
    {
        get;
        set
        {
            field = value;
            _readForWriting = (ref DuckDBResult result, ResultLimits? limits, CancellationToken ct) => ResultReader.ReadForWriting(ref result, limits, ct, value);
        }
    }

    private ResultRead<(JsonNode Rows, long Count)> _readForWriting = null!;

    internal DuckDbConnectionPool Pool => _pool;

    public async ValueTask<IReadOnlyList<string>> ValidateAsync(EndpointDefinition endpoint, string? sourceText, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint.IsBuiltIn)
        {
            return [];
        }

        if (string.IsNullOrWhiteSpace(sourceText))
        {
            return [MissingSource(endpoint)];
        }

        // Preparing is short CPU work (no rows are read): done on the caller's thread, on the leased connection, instead
        // of two thread switches per endpoint through the connection's own thread (a start checks every endpoint).
        using var lease = await _pool.RentAsync(null, cancellationToken).ConfigureAwait(false);
        return SqlValidator.Validate(lease.Connection, endpoint, sourceText);
    }

    public IReadOnlyList<string> Warnings(EndpointDefinition endpoint, string? sourceText) =>
        endpoint.IsBuiltIn || string.IsNullOrWhiteSpace(sourceText) ? [] : SqlValidator.Warnings(endpoint, sourceText);

    public async ValueTask<JsonNode?> ExecuteAsync(EndpointInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var (sql, parameters) = invocation.Endpoint.IsBuiltIn
            ? BuiltInSqlTools.Resolve(invocation)
            : (string.IsNullOrWhiteSpace(invocation.SourceText) ? throw new DuckDbException(MissingSource(invocation.Endpoint)) : invocation.SourceText,
               invocation.Arguments);

        // The SQL of execute_sql_query comes from the client: it is checked statement by statement (SqlToolGuard).
        var check = invocation.Endpoint.IsBuiltIn && invocation.Endpoint.Name == BuiltInSqlTools.ExecuteSqlQuery
            ? new SqlToolGuard(sql, Settings.ReadOnly).Check
            : (StatementCheck?)null;
        if (invocation.WriteOnly)
        {
            var read = _readForWriting;
            var rows = await RunAsync(
                sql, parameters, invocation.Context, c => c.ExecuteForWriting(sql, parameters, cancellationToken, Settings.ResultLimits, check, read), static r => r.Count, check is null, cancellationToken)
                .ConfigureAwait(false);
            return rows.Rows;
        }

        return await QueryAsync(sql, parameters, invocation.Context, check, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<JsonArray> QueryAsync(
        string sql, IReadOnlyDictionary<string, object?>? parameters = null, CallContext? context = null, CancellationToken cancellationToken = default) =>
        QueryAsync(sql, parameters, context, null, cancellationToken);

    private ValueTask<JsonArray> QueryAsync(
        string sql, IReadOnlyDictionary<string, object?>? parameters, CallContext? context, StatementCheck? check, CancellationToken cancellationToken) =>
        RunAsync(sql, parameters, context, c => c.Execute(sql, parameters, cancellationToken, Settings.ResultLimits, check), static rows => rows.Count, check is null, cancellationToken);

    /// <summary>
    /// Runs <paramref name="run"/> on a pooled connection, with the query's telemetry; on the caller's thread when
    /// <paramref name="unchecked"/> (no statement check) and the connection found <paramref name="sql"/> quick before.
    /// </summary>
    private async ValueTask<T> RunAsync<T>(
        string sql, IReadOnlyDictionary<string, object?>? parameters, CallContext? context, Func<DuckDbConnection, T> run, Func<T, long> count,
        bool @unchecked, CancellationToken cancellationToken)
    {
        var inlineSql = @unchecked ? sql : null;
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var activity = DuckDbTelemetry.Started(sql, parameters?.Count ?? 0, _database.ReadOnly, out var operation);
        try
        {
            using var lease = await _pool.RentAsync(context, cancellationToken).ConfigureAwait(false);
            var result = await lease.Connection.RunAsync(run, cancellationToken, inlineSql).ConfigureAwait(false);
            DuckDbTelemetry.Completed(activity, operation, started, (int)Math.Min(count(result), int.MaxValue), null);
            return result;
        }
        catch (Exception e)
        {
            DuckDbTelemetry.Completed(activity, operation, started, null, e);
            throw;
        }
    }

    public async ValueTask AddAsync(ISqlFunctionProvider provider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provider);
        using var lease = await _pool.RentAsync(null, cancellationToken).ConfigureAwait(false);
        await lease.Connection.RunAsync(c =>
        {
            PluginFunctions.Register(c, provider, _functions);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        foreach (var function in provider.SqlFunctions)
        {
            Log.SqlFunctionRegistered(_logger, function.ToString(), function.Origin ?? "a plugin");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _dataSource.Detach(_database);
        await _pool.DisposeAsync().ConfigureAwait(false);
        _database.Functions.Detach(_functions, _pool.ConnectionIds);
        _database.Release();
        Log.DatabaseClosed(_logger, _database.Path);
    }

    private static string MissingSource(EndpointDefinition endpoint) =>
        endpoint.Source?.File is { } file
            ? $"SQL source file '{endpoint.Source.FullPath ?? file}' of {endpoint.Key} is missing or empty"
            : $"{endpoint.Key} has no SQL source: set source.code or source.file";
}
