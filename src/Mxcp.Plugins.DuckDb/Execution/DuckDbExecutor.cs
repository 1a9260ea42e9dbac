using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Configuration;
using Mxcp.Plugins.DuckDb.Database;

namespace Mxcp.Plugins.DuckDb.Execution;

/// <summary>
/// The <c>sql</c> executor of one project snapshot and the project's <see cref="ISqlDatabase"/>: every call rents a
/// pooled connection (attaching the call for the user-context SQL functions) and runs on that connection's thread, so
/// that a blocking DuckDB call never holds a thread-pool thread.
/// </summary>
internal sealed class DuckDbExecutor : IEndpointExecutor, ISqlDatabase
{
    private readonly DuckDbDatabase _database;
    private readonly DuckDbConnectionPool _pool;
    private readonly DuckDbDataSource _dataSource;
    private readonly ILogger _logger;
    private int _disposed;

    public DuckDbExecutor(DuckDbDatabase database, DuckDbConnectionPool pool, DuckDbSettings settings, DuckDbDataSource dataSource, ILogger logger)
    {
        _database = database;
        _pool = pool;
        _dataSource = dataSource;
        _logger = logger;
        Settings = settings;
        BuiltInEndpoints = BuiltInSqlTools.Create(settings.SqlTools);
        dataSource.Attach(database);
    }

    public string Language => "sql";

    public IReadOnlyList<EndpointDefinition> BuiltInEndpoints { get; }

    public DuckDbSettings Settings { get; }

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

        using var lease = await _pool.RentAsync(null, cancellationToken).ConfigureAwait(false);
        return await lease.Connection.RunAsync(c => SqlValidator.Validate(c, endpoint, sourceText), cancellationToken).ConfigureAwait(false);
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
        return await QueryAsync(sql, parameters, invocation.Context, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<JsonArray> QueryAsync(
        string sql, IReadOnlyDictionary<string, object?>? parameters = null, CallContext? context = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        using var lease = await _pool.RentAsync(context, cancellationToken).ConfigureAwait(false);
        return await lease.Connection.RunAsync(c => c.Execute(sql, parameters, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _dataSource.Detach(_database);
        await _pool.DisposeAsync().ConfigureAwait(false);
        _database.Release();
        Log.DatabaseClosed(_logger, _database.Path);
    }

    private static string MissingSource(EndpointDefinition endpoint) =>
        endpoint.Source?.File is { } file
            ? $"SQL source file '{endpoint.Source.FullPath ?? file}' of {endpoint.Key} is missing or empty"
            : $"{endpoint.Key} has no SQL source: set source.code or source.file";
}
