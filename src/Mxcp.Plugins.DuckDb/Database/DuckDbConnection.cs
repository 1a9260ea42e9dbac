using System.Text.Json.Nodes;
using Mxcp.Plugins.DuckDb.Native;
using Mxcp.Plugins.DuckDb.Parameters;
using Mxcp.Plugins.DuckDb.Results;

namespace Mxcp.Plugins.DuckDb.Database;

/// <summary>
/// A DuckDB connection: runs SQL texts (one or several statements) with <c>$name</c> parameters and reads the last
/// statement's rows. Not thread-safe: one call at a time, which the pool guarantees; only <see cref="QueryInterrupter"/>
/// touches it from another thread. A pooled connection runs its calls on its own thread (<see cref="RunAsync{T}"/>), so
/// that blocking DuckDB calls never hold thread-pool threads and no thread is created per call.
/// </summary>
internal sealed unsafe class DuckDbConnection : IDisposable
{
    private readonly SemaphoreSlim _workReady = new(0);
    private readonly Lock _workGate = new();
    private Action? _work;
    private Thread? _worker;
    private bool _stopping;

    /// <summary>Statement types after which later statements of the same text cannot be checked without running them.</summary>
    private static readonly HashSet<DuckDbStatementType> ChangesCatalog =
    [
        DuckDbStatementType.Create, DuckDbStatementType.CreateFunc, DuckDbStatementType.Alter, DuckDbStatementType.Drop,
        DuckDbStatementType.Attach, DuckDbStatementType.Detach, DuckDbStatementType.Load, DuckDbStatementType.Set,
        DuckDbStatementType.VariableSet, DuckDbStatementType.Pragma, DuckDbStatementType.Execute, DuckDbStatementType.Copy,
    ];

    internal DuckDbConnection(DuckDbDatabase database, ConnectionHandle handle)
    {
        Database = database;
        Handle = handle;
        NativeMethods.duckdb_connection_get_client_context(handle, out var context);
        try
        {
            Id = NativeMethods.duckdb_client_context_get_connection_id(context);
        }
        finally
        {
            NativeMethods.duckdb_destroy_client_context(ref context);
        }
    }

    public DuckDbDatabase Database { get; }

    public ConnectionHandle Handle { get; }

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
        using var interrupter = new QueryInterrupter(Handle);
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
                for (var i = 0UL; i < count; i++)
                {
                    using var prepared = Prepare(statements, i);
                    if (ChangesCatalog.Contains(NativeMethods.duckdb_prepared_statement_type(prepared)))
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

    public void Interrupt() => NativeMethods.duckdb_interrupt(Handle);

    public void Dispose()
    {
        lock (_workGate)
        {
            _stopping = true;
        }

        _workReady.Release();
        Handle.Dispose();
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
            for (var i = 0UL; i < count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var prepared = Prepare(statements, i);
                Bind(prepared, parameters);
                using var result = new ResultHandle();
                var last = i == count - 1;
                var state = last
                    ? NativeMethods.duckdb_execute_prepared_streaming(prepared, result.Pointer)
                    : NativeMethods.duckdb_execute_prepared(prepared, result.Pointer);
                if (state != DuckDbState.Success)
                {
                    throw new DuckDbException(NativeText.Borrowed(NativeMethods.duckdb_result_error(result.Pointer)) ?? "The SQL statement failed");
                }

                if (last)
                {
                    rows = ResultReader.ReadAll(result, cancellationToken);
                }
            }

            return rows;
        }
    }

    private (ExtractedStatementsHandle Statements, ulong Count) Extract(string sql)
    {
        var count = NativeMethods.duckdb_extract_statements(Handle, sql, out var raw);
        var statements = new ExtractedStatementsHandle(raw);
        if (count == 0)
        {
            var error = NativeText.Borrowed(NativeMethods.duckdb_extract_statements_error(statements));
            if (error is not null)
            {
                statements.Dispose();
                throw new DuckDbException(error);
            }
        }

        return (statements, count);
    }

    private PreparedStatementHandle Prepare(ExtractedStatementsHandle statements, ulong index)
    {
        var state = NativeMethods.duckdb_prepare_extracted_statement(Handle, statements, index, out var raw);
        var prepared = new PreparedStatementHandle(raw);
        if (state != DuckDbState.Success)
        {
            var error = NativeText.Borrowed(NativeMethods.duckdb_prepare_error(prepared));
            prepared.Dispose();
            throw new DuckDbException(error ?? "The SQL statement could not be prepared");
        }

        return prepared;
    }

    private static void Bind(PreparedStatementHandle prepared, IReadOnlyDictionary<string, object?>? parameters)
    {
        var count = NativeMethods.duckdb_nparams(prepared);
        for (var position = 1UL; position <= count; position++)
        {
            var name = NativeText.Owned(NativeMethods.duckdb_parameter_name(prepared, position)) ?? position.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!TryFindValue(parameters, name, out var value))
            {
                throw new DuckDbException($"The SQL uses the parameter ${name}, but no value was given for it");
            }

            if (NativeMethods.duckdb_bind_parameter_index(prepared, out var index, name) != DuckDbState.Success)
            {
                index = position;
            }

            DuckDbState state;
            if (value is null)
            {
                state = NativeMethods.duckdb_bind_null(prepared, index);
            }
            else
            {
                using var bound = ParameterValues.Create(name, value);
                state = NativeMethods.duckdb_bind_value(prepared, index, bound);
            }

            if (state != DuckDbState.Success)
            {
                var error = NativeText.Borrowed(NativeMethods.duckdb_prepare_error(prepared));
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
