using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using DuckDB.NET.Data;
using DuckDB.NET.Native;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Native;
using Mxcp.Plugins.DuckDb.Parameters;
using Mxcp.Plugins.DuckDb.Results;

namespace Mxcp.Plugins.DuckDb.Database;

/// <summary>Sees statement <paramref name="index"/> of <paramref name="count"/> before it runs; throws to refuse it.</summary>
internal delegate void StatementCheck(DuckDbConnection connection, int index, int count, StatementKind kind);

/// <summary>
/// A DuckDB connection: runs SQL texts (one or several statements) with <c>$name</c> parameters and reads the last
/// statement's rows, calling the C API through DuckDB.NET's declarations on the native connection of a DuckDB.NET
/// <see cref="DuckDBConnection"/> (which keeps the shared database instance open). Not thread-safe: one call at a
/// time, which the pool guarantees; only <see cref="QueryInterrupter"/> touches it from another thread. A pooled
/// connection runs its calls on its own thread (<see cref="RunAsync{T}"/>), so that blocking DuckDB calls do not hold
/// thread-pool threads and no thread is created per call; only kept statements whose last run was quick run on the
/// caller's thread.
/// </summary>
internal sealed class DuckDbConnection : IDisposable
{
    private readonly Lock _workGate = new();

    // Wakes the worker. An event that blocks at once: a SemaphoreSlim spun (and yielded) about 140 times each time the
    // worker went idle, CPU taken from the calls themselves on a machine with few cores.
    private readonly AutoResetEvent _workReady = new(false);
    private Action? _work;
    private Thread? _worker;
    private bool _stopping;

    /// <summary>The longest run after which a kept statement still counts as quick (runs on the caller's thread).</summary>
    internal static readonly TimeSpan QuickRun = TimeSpan.FromMilliseconds(2);

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
    /// The statements this connection keeps prepared, by SQL text: a call whose text was prepared before only binds
    /// and runs. Cleared when the connection closes (a reload replaces the pool and closes its connections).
    /// </summary>
    internal PreparedStatementCache Statements { get; } = new();

    /// <summary>
    /// Runs every statement of <paramref name="sql"/> in order, binding each one's own <c>$name</c> parameters, and
    /// returns the rows of the last one. Cancelling <paramref name="cancellationToken"/> interrupts the running query
    /// and ends the call with <see cref="OperationCanceledException"/>. A result larger than <paramref name="limits"/>
    /// allow is refused with <see cref="ResultTooLargeException"/> while it is read.
    /// </summary>
    /// <param name="sql">The SQL text.</param>
    /// <param name="parameters">Parameter values by name.</param>
    /// <param name="cancellationToken">Interrupts the query.</param>
    /// <param name="limits">The largest result accepted; <see langword="null"/> for no limit.</param>
    /// <param name="check">Sees each statement after it is prepared and before it runs, and may refuse it by throwing.</param>
    public JsonArray Execute(
        string sql, IReadOnlyDictionary<string, object?>? parameters, CancellationToken cancellationToken, ResultLimits? limits = null, StatementCheck? check = null) =>
        Execute(sql, parameters, cancellationToken, limits, check, ResultReader.ReadAll, static () => []);

    /// <summary>
    /// As <see cref="Execute(string, IReadOnlyDictionary{string, object?}?, CancellationToken, ResultLimits?, StatementCheck?)"/>,
    /// for a result that is only written out (<see cref="ResultReader.ReadForWriting"/>).
    /// </summary>
    /// <param name="sql">The SQL text.</param>
    /// <param name="parameters">Parameter values by name.</param>
    /// <param name="cancellationToken">Interrupts the query.</param>
    /// <param name="limits">The largest result accepted; <see langword="null"/> for no limit.</param>
    /// <param name="check">Sees each statement after it is prepared and before it runs, and may refuse it by throwing.</param>
    /// <param name="read">Reads the last statement's result (<see cref="ResultReader.ReadForWriting"/>).</param>
    public (JsonNode Rows, long Count) ExecuteForWriting(
        string sql, IReadOnlyDictionary<string, object?>? parameters, CancellationToken cancellationToken, ResultLimits? limits, StatementCheck? check,
        ResultRead<(JsonNode Rows, long Count)> read) =>
        Execute(sql, parameters, cancellationToken, limits, check, read, static () => (new JsonArray(), 0L));

    private T Execute<T>(
        string sql, IReadOnlyDictionary<string, object?>? parameters, CancellationToken cancellationToken, ResultLimits? limits, StatementCheck? check, ResultRead<T> read, Func<T> empty)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var interrupter = new QueryInterrupter(Native);
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.Register(static state => ((QueryInterrupter)state!).Request(), interrupter)
            : default;
        Database.Calls.BeginQuery(Id, cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var completed = false;
        try
        {
            var rows = ExecuteStatements(sql, parameters, limits, check, read, empty, cancellationToken);
            completed = true;
            return rows;
        }
        catch (DuckDbException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The SQL query was cancelled", e, cancellationToken);
        }
        finally
        {
            var calledFunctions = Database.Calls.EndQuery(Id);
            if (check is null && Statements.Peek(sql) is { } kept)
            {
                kept.Quick = completed && !calledFunctions && Stopwatch.GetElapsedTime(started) <= QuickRun;
            }
        }
    }

    /// <summary>
    /// DuckDB's own text and logical type of a SQL type written as text (<c>DECIMAL</c> → <c>DECIMAL(18,3)</c>,
    /// <c>STRUCT(name VARCHAR)</c>), resolved by preparing and running <c>SELECT CAST(NULL AS type)</c>. The caller owns
    /// the returned type.
    /// </summary>
    /// <exception cref="DuckDbException">The text is not one SQL type.</exception>
    public (string Text, DuckDBLogicalType Type) ResolveType(string typeText)
    {
        var sql = $"SELECT typeof(CAST(NULL AS {typeText})) AS name, CAST(NULL AS {typeText}) AS value";
        var notAType = $"'{typeText}' is not a SQL type";
        var (statements, count) = Extract(sql);
        using (statements)
        {
            if (count != 1 || string.IsNullOrWhiteSpace(typeText))
            {
                throw new DuckDbException(notAType);
            }

            using var prepared = Prepare(statements, 0);
            if (UndeclaredNativeMethods.PreparedStatementType(prepared) != StatementKind.Select)
            {
                throw new DuckDbException(notAType);
            }

            if (NativeMethods.PreparedStatements.DuckDBExecutePreparedStreaming(prepared, out var result) != DuckDBState.Success)
            {
                var error = NativeMethods.Query.DuckDBResultError(ref result);
                NativeMethods.Query.DuckDBDestroyResult(ref result);
                throw new DuckDbException($"{notAType}: {error}");
            }

            try
            {
                if (NativeMethods.Query.DuckDBColumnCount(ref result) != 2)
                {
                    throw new DuckDbException(notAType);
                }

                var rows = ResultReader.ReadAll(ref result, limits: null, CancellationToken.None);
                var text = rows.Count == 1 && rows[0]?["name"] is JsonValue name && name.TryGetValue<string>(out var s) ? s : throw new DuckDbException(notAType);
                return (text, NativeMethods.Query.DuckDBColumnLogicalType(ref result, 1));
            }
            finally
            {
                NativeMethods.Query.DuckDBDestroyResult(ref result);
            }
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

    /// <summary>
    /// Runs <paramref name="work"/> on this connection's own thread (started on first use), or on the caller's thread
    /// when <paramref name="sql"/> names a statement the connection keeps prepared whose last run was quick.
    /// </summary>
    /// <param name="work">The call.</param>
    /// <param name="cancellationToken">Cancels the call before it starts (the work itself interrupts its query).</param>
    /// <param name="sql">The one SQL text <paramref name="work"/> runs without a statement check, if it runs one.</param>
    /// <remarks>
    /// Handing a call to another thread and its result back costs two thread switches: with one CPU, trivial SQL tool
    /// calls took 4-9 % less CPU run inline, and point lookups of about 1 ms 8-18 % less at 8 and 32 concurrent calls
    /// (bench/README.md). A quick statement (its last run took at most <see cref="QuickRun"/> and called no plugin SQL
    /// function, which may wait for another process) therefore runs inline: it holds the caller's thread-pool thread no
    /// longer than other short synchronous request work does, and at most one thread per pooled connection. A statement
    /// whose run turns out long is handed to the connection's thread again from its next call: a long query does not
    /// hold a thread-pool thread, and the switches are a small part of its cost.
    /// </remarks>
    public Task<T> RunAsync<T>(Func<DuckDbConnection, T> work, CancellationToken cancellationToken, string? sql = null)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        if (sql is not null && Statements.Peek(sql) is { Quick: true })
        {
            lock (_workGate)
            {
                ObjectDisposedException.ThrowIf(_stopping, this);
            }

            try
            {
                return Task.FromResult(work(this));
            }
            catch (Exception e)
            {
                return Task.FromException<T>(e);
            }
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

        _workReady.Set();
        return completion.Task;
    }

    public void Interrupt() => Native.Interrupt();

    public void Dispose()
    {
        lock (_workGate)
        {
            _stopping = true;
        }

        _workReady.Set();
        Statements.Clear();
        Connection.Dispose();
    }

    private void RunWorker()
    {
        while (RunNext())
        {
        }
    }

    /// <summary>Waits for a work item and runs it; false once the connection is stopping and nothing is pending.</summary>
    /// <remarks>
    /// A method of its own, kept out of the loop: the work item holds the call's completion and with it the result,
    /// and a local of the loop stayed reachable from the worker's stack while it waited for the next call (setting it
    /// to null is a dead store the JIT drops), so every pooled connection kept its last, possibly huge, result alive.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RunNext()
    {
        Action? work;
        while (true)
        {
            lock (_workGate)
            {
                work = _work;
                _work = null;
                if (work is not null || _stopping)
                {
                    break;
                }
            }

            _workReady.WaitOne();
        }

        if (work is null)
        {
            return false;
        }

        work.Invoke();
        return true;
    }

    private T ExecuteStatements<T>(
        string sql, IReadOnlyDictionary<string, object?>? parameters, ResultLimits? limits, StatementCheck? check, ResultRead<T> read, Func<T> empty,
        CancellationToken cancellationToken)
    {
        if (check is null && Statements.TryGet(sql, out var cached))
        {
            try
            {
                return Run(cached, parameters, last: true, limits, read, cancellationToken)!;
            }
            catch (DuckDbException e) when (!cancellationToken.IsCancellationRequested)
            {
                // A kept statement that fails is prepared again next time; one whose rebinding after a catalog change
                // changed its result types (a table replaced with other columns) is prepared again now.
                Statements.Remove(sql);
                if (!e.Message.Contains("Rebinding", StringComparison.OrdinalIgnoreCase))
                {
                    throw;
                }
            }
        }

        var (statements, count) = Extract(sql);
        using (statements)
        {
            var rows = default(T);
            var hasRows = false;
            for (var i = 0; i < count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var prepared = Prepare(statements, i);
                var kept = false;
                try
                {
                    var type = UndeclaredNativeMethods.PreparedStatementType(prepared);
                    check?.Invoke(this, i, count, type);

                    // Statements the built-in SQL tools run (those with a check) are clients' own texts: never kept.
                    var statement = new CachedStatement(sql, prepared, ParameterNames(prepared));
                    kept = check is null && count == 1 && PreparedStatementCache.IsCacheable(type) && Statements.TryAdd(statement);
                    if (i == count - 1)
                    {
                        rows = Run(statement, parameters, last: true, limits, read, cancellationToken);
                        hasRows = true;
                    }
                    else
                    {
                        Run(statement, parameters, last: false, limits, read, cancellationToken);
                    }
                }
                finally
                {
                    if (!kept)
                    {
                        prepared.Dispose();
                    }
                }
            }

            return hasRows ? rows! : empty();
        }
    }

    /// <summary>Binds and runs one prepared statement; reads its rows when it is the text's last one.</summary>
    private static T? Run<T>(
        CachedStatement statement, IReadOnlyDictionary<string, object?>? parameters, bool last, ResultLimits? limits, ResultRead<T> read, CancellationToken cancellationToken)
    {
        var prepared = statement.Prepared;
        Bind(prepared, statement.ParameterNames, parameters);
        var state = last
            ? NativeMethods.PreparedStatements.DuckDBExecutePreparedStreaming(prepared, out var result)
            : NativeMethods.PreparedStatements.DuckDBExecutePrepared(prepared, out result);
        try
        {
            if (state != DuckDBState.Success)
            {
                throw new DuckDbException(NativeMethods.Query.DuckDBResultError(ref result) ?? "The SQL statement failed");
            }

            return last ? read(ref result, limits, cancellationToken) : default;
        }
        finally
        {
            NativeMethods.Query.DuckDBDestroyResult(ref result);
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

    /// <summary>The name DuckDB gives each parameter of the statement, in order (<c>$name</c>, or the number of <c>$1</c>).</summary>
    private static string[] ParameterNames(DuckDBPreparedStatement prepared)
    {
        var count = NativeMethods.PreparedStatements.DuckDBParams(prepared);
        var names = new string[count];
        for (var index = 1L; index <= count; index++)
        {
            names[index - 1] = UndeclaredNativeMethods.ParameterName(prepared, (ulong)index) ?? index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return names;
    }

    /// <summary>Binds each parameter of the statement by its name.</summary>
    private static void Bind(DuckDBPreparedStatement prepared, string[] names, IReadOnlyDictionary<string, object?>? parameters)
    {
        for (var index = 1L; index <= names.Length; index++)
        {
            var name = names[index - 1];
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

/// <summary>Reads an executed result (<see cref="ResultReader.ReadAll"/>, <see cref="ResultReader.ReadForWriting"/>).</summary>
internal delegate T ResultRead<T>(ref DuckDBResult result, ResultLimits? limits, CancellationToken cancellationToken);
