using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.DuckDb.Database;

/// <summary>
/// A fixed set of pre-opened connections to one database. <see cref="RentAsync"/> waits (asynchronously, cancellably)
/// while all are busy, and attaches the call's <see cref="CallContext"/> to the connection for the user-context SQL
/// functions until the lease is disposed. Disposal refuses new rentals, waits up to 5 s for busy connections, interrupts
/// what still runs and closes every connection once it is back.
/// </summary>
internal sealed class DuckDbConnectionPool : IAsyncDisposable
{
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly DuckDbDatabase _database;
    private readonly ILogger _logger;
    // Last in, first out: the connection used last is used next, with its statements prepared, its thread and its
    // allocator's caches warm; connections beyond what the load needs stay asleep (a queue rotated every call through
    // all of them, and each kept a large result's worth of memory).
    private readonly Stack<DuckDbConnection> _idle = new();
    private readonly HashSet<DuckDbConnection> _busy = [];
    private readonly SemaphoreSlim _available;
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private bool _closed;

    public DuckDbConnectionPool(DuckDbDatabase database, int size, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _database = database;
        _logger = logger;
        Size = size;
        try
        {
            for (var i = 0; i < size; i++)
            {
                _idle.Push(database.Connect());
            }
        }
        catch
        {
            foreach (var connection in _idle)
            {
                connection.Dispose();
            }

            throw;
        }

        _available = new SemaphoreSlim(size, size);
        ConnectionIds = [.. _idle.Select(c => c.Id)];
        Execution.DuckDbTelemetry.PoolOpened(size);
    }

    public int Size { get; }

    /// <summary>DuckDB's ids of the pool's connections.</summary>
    public IReadOnlyList<ulong> ConnectionIds { get; }

    /// <summary>Connections currently rented.</summary>
    public int Busy
    {
        get
        {
            lock (_gate)
            {
                return _busy.Count;
            }
        }
    }

    /// <summary>Waits for a free connection and hands it to the call described by <paramref name="context"/>.</summary>
    public async ValueTask<DuckDbConnectionLease> RentAsync(CallContext? context, CancellationToken cancellationToken)
    {
        ThrowIfClosing();
        var waitStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        try
        {
            await _available.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            ThrowIfClosing();
            throw;
        }

        DuckDbConnection connection;
        lock (_gate)
        {
            if (_closing.IsCancellationRequested)
            {
                _available.Release();
                ThrowIfClosing();
            }

            connection = _idle.Pop();
            _busy.Add(connection);
        }

        Execution.DuckDbTelemetry.ConnectionRented(System.Diagnostics.Stopwatch.GetElapsedTime(waitStarted));

        if (context is not null)
        {
            _database.Calls.Attach(connection.Id, context);
        }

        return new DuckDbConnectionLease(this, connection);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_closing.IsCancellationRequested)
            {
                return;
            }

            _closing.Cancel();
            Execution.DuckDbTelemetry.PoolClosed(Size);
            if (_busy.Count == 0)
            {
                _drained.TrySetResult();
            }
        }

        await Task.WhenAny(_drained.Task, Task.Delay(DrainTimeout)).ConfigureAwait(false);
        lock (_gate)
        {
            _closed = true;
            while (_idle.TryPop(out var connection))
            {
                connection.Dispose();
            }

            if (_busy.Count > 0)
            {
                Log.PoolClosedWithBusyConnections(_logger, _database.Path, _busy.Count);
                foreach (var connection in _busy)
                {
                    connection.Interrupt();
                }
            }
        }

    }

    internal void Return(DuckDbConnection connection)
    {
        _database.Calls.Detach(connection.Id);
        Execution.DuckDbTelemetry.ConnectionReturned();
        lock (_gate)
        {
            _busy.Remove(connection);
            if (_closed)
            {
                connection.Dispose();
                return;
            }

            _idle.Push(connection);
            if (_busy.Count == 0 && _closing.IsCancellationRequested)
            {
                _drained.TrySetResult();
            }
        }

        _available.Release();
    }

    private void ThrowIfClosing()
    {
        if (_closing.IsCancellationRequested)
        {
            throw new DuckDbException("DuckDB runtime is shutting down");
        }
    }
}

/// <summary>A rented connection; disposing it gives the connection back to its pool.</summary>
internal sealed class DuckDbConnectionLease(DuckDbConnectionPool pool, DuckDbConnection connection) : IDisposable
{
    private int _returned;

    public DuckDbConnection Connection { get; } = connection;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _returned, 1) == 0)
        {
            pool.Return(Connection);
        }
    }
}
