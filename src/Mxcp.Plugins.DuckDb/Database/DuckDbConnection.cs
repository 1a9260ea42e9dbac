using System.Text.Json.Nodes;
using DuckDB.NET.Data;
using DuckDB.NET.Native;
using Mxcp.Plugins.DuckDb.Native;
using Mxcp.Plugins.DuckDb.Parameters;
using Mxcp.Plugins.DuckDb.Results;

namespace Mxcp.Plugins.DuckDb.Database;

/// <summary>
/// A DuckDB connection: runs SQL texts (one or several statements) with <c>$name</c> parameters and reads the last
/// statement's rows, calling the C API through DuckDB.NET's declarations on the native connection of a DuckDB.NET
/// <see cref="DuckDBConnection"/> (which keeps the shared database instance open). Not thread-safe: one call at a
/// time, which the pool guarantees; only <see cref="QueryInterrupter"/> touches it from another thread. A pooled
/// connection runs its calls on its own thread (<see cref="RunAsync{T}"/>), so that blocking DuckDB calls never hold
/// thread-pool threads and no thread is created per call.
/// </summary>
internal sealed class DuckDbConnection : IDisposable
{
    private readonly SemaphoreSlim _workReady = new(0);
    private readonly Lock _workGate = new();
    private Action? _work;
    private Thread? _worker;
    private bool _stopping;

    /// <summary>Statement types after which later statements of the same text cannot be checked without running them.</summary>
    private static readonly HashSet<StatementKind> ChangesCatalog =
    [
        StatementKind.Create, StatementKind.CreateFunc, StatementKind.Alter, StatementKind.Drop,
        StatementKind.Attach, StatementKind.Detach, StatementKind.Load, StatementKind.Set,
        StatementKind.VariableSet, StatementKind.Pragma, StatementKind.Execute, StatementKind.Copy,
    ];

    /// <param name="database">The database the connection belongs to.</param>
    /// <param name="connection">An open DuckDB.NET connection to it; owned (closed) by this connection.</param>
    internal DuckDbConnection(DuckDbDatabase database, DuckDBConnection connection)
    {
        Database = database;
        Connection = connection;
        Native = connection.NativeConnection;
        NativeMethods.Startup.DuckDBConnectionGetClientContext(Native, out var context);
        using (context)
        {
            Id = context.ConnectionId;
        }
    }

    public DuckDbDatabase Database { get; }

    /// <summary>The DuckDB.NET connection this one runs on.</summary>
    public DuckDBConnection Connection { get; }

    /// <summary>Its native connection, the handle every C API call here takes.</summary>
    public DuckDBNativeConnection Native { get; }

    /// <summary>DuckDB's id of this connection (what the user-context functions see).</summary>
    public ulong Id { get; }

    /// <summary>
    /// Runs every statement of <paramref name="sql"/> in order, binding each one's own <c>$name</c> parameters, and
    /// returns the rows of the last one. Cancelling <paramref name="cancellationToken"/> interrupts the running query
    /// and ends the call with <see cref="OperationCanceledException"/>.
    /// </summary>
    public JsonArray Execute(string sql, IReadOnlyDictionary<string, object?>? parameters, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var interrupter = new QueryInterrupter(Native);
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static state => ((QueryInterrupter)state!).Request(), interrupter)
            : default;
        try
        {
            return ExecuteStatements(sql, parameters, cancellationToken);
        }
        catch (DuckDbException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The SQL query was cancelled", e, cancellationToken);
        }
    }

    /// <summary>
    /// Checks that <paramref name="sql"/> parses and that each statement prepares (binds against the catalog). After a
    /// statement that changes the catalog (CREATE, ATTACH, ...) the later ones are not checked, as they may depend on it.
    /// </summary>
    /// <returns>DuckDB's error, or <see langword="null"/> when the text is valid.</returns>
    public string? CheckSyntax(string sql)
    {
        try
        {
            var (statements, count) = Extract(sql);
            using (statements)
            {
                for (var i = 0; i < count; i++)
                {
                    using var prepared = Prepare(statements, i);
                    if (ChangesCatalog.Contains(UndeclaredNativeMethods.PreparedStatementType(prepared)))
                    {
                        return null;
                    }
                }
            }

            return null;
        }
        catch (DuckDbException e)
        {
            return e.Message;
        }
    }

    /// <summary>Runs <paramref name="work"/> on this connection's own thread (started on first use).</summary>
    public Task<T> RunAsync<T>(Func<DuckDbConnection, T> work, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_workGate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            if (_work is not null)
            {
                throw new InvalidOperationException("A DuckDB connection runs one call at a time");
            }

            _work = () =>
            {
                try
                {
                    completion.TrySetResult(work(this));
                }
                catch (Exception e)
                {
                    completion.TrySetException(e);
                }
            };
            if (_worker is null)
            {
                _worker = new Thread(RunWorker) { IsBackground = true, Name = $"Mxcp DuckDB connection {Id}" };
                _worker.Start();
            }
        }

        _workReady.Release();
        return completion.Task;
    }

    public void Interrupt() => Native.Interrupt();

    public void Dispose()
    {
        lock (_workGate)
        {
            _stopping = true;
        }

        _workReady.Release();
        Connection.Dispose();
    }

    private void RunWorker()
    {
        while (true)
        {
            _workReady.Wait();
            Action? work;
            lock (_workGate)
            {
                work = _work;
                _work = null;
                if (work is null && _stopping)
                {
                    return;
                }
            }

            work?.Invoke();
        }
    }

    private JsonArray ExecuteStatements(string sql, IReadOnlyDictionary<string, object?>? parameters, CancellationToken cancellationToken)
    {
        var (statements, count) = Extract(sql);
        using (statements)
        {
            var rows = new JsonArray();
            for (var i = 0; i < count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var prepared = Prepare(statements, i);
                Bind(prepared, parameters);
                var last = i == count - 1;
                var state = last
                    ? NativeMethods.PreparedStatements.DuckDBExecutePreparedStreaming(prepared, out var result)
                    : NativeMethods.PreparedStatements.DuckDBExecutePrepared(prepared, out result);
                try
                {
                    if (state != DuckDBState.Success)
                    {
                        throw new DuckDbException(NativeMethods.Query.DuckDBResultError(ref result) ?? "The SQL statement failed");
                    }

                    if (last)
                    {
                        rows = ResultReader.ReadAll(ref result, cancellationToken);
                    }
                }
                finally
                {
                    NativeMethods.Query.DuckDBDestroyResult(ref result);
                }
            }

            return rows;
        }
    }

    private (DuckDBExtractedStatements Statements, int Count) Extract(string sql)
    {
        var count = NativeMethods.ExtractStatements.DuckDBExtractStatements(Native, sql, out var statements);
        if (count == 0 && NativeMethods.ExtractStatements.DuckDBExtractStatementsError(statements) is { } error)
        {
            statements.Dispose();
            throw new DuckDbException(error);
        }

        return (statements, count);
    }

    private DuckDBPreparedStatement Prepare(DuckDBExtractedStatements statements, int index)
    {
        var state = NativeMethods.ExtractStatements.DuckDBPrepareExtractedStatement(Native, statements, index, out var prepared);
        if (state != DuckDBState.Success)
        {
            var error = NativeMethods.PreparedStatements.DuckDBPrepareError(prepared);
            prepared.Dispose();
            throw new DuckDbException(error ?? "The SQL statement could not be prepared");
        }

        return prepared;
    }

    /// <summary>Binds each parameter of the statement, by the name DuckDB gives it (<c>$name</c>, or the number of <c>$1</c>).</summary>
    private static void Bind(DuckDBPreparedStatement prepared, IReadOnlyDictionary<string, object?>? parameters)
    {
        var count = NativeMethods.PreparedStatements.DuckDBParams(prepared);
        for (var index = 1L; index <= count; index++)
        {
            var name = UndeclaredNativeMethods.ParameterName(prepared, (ulong)index) ?? index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!TryFindValue(parameters, name, out var value))
            {
                throw new DuckDbException($"The SQL uses the parameter ${name}, but no value was given for it");
            }

            DuckDBState state;
            if (value is null)
            {
                state = NativeMethods.PreparedStatements.DuckDBBindNull(prepared, index);
            }
            else
            {
                using var bound = ParameterValues.Create(name, value);
                state = NativeMethods.PreparedStatements.DuckDBBindValue(prepared, index, bound);
            }

            if (state != DuckDBState.Success)
            {
                var error = NativeMethods.PreparedStatements.DuckDBPrepareError(prepared);
                throw new DuckDbException($"Parameter '{name}' could not be bound{(error is null ? "" : ": " + error)}");
            }
        }
    }

    private static bool TryFindValue(IReadOnlyDictionary<string, object?>? parameters, string name, out object? value)
    {
        value = null;
        if (parameters is null)
        {
            return false;
        }

        if (parameters.TryGetValue(name, out value))
        {
            return true;
        }

        foreach (var (key, candidate) in parameters)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }

        return false;
    }
}
