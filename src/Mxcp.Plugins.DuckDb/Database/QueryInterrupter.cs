using DuckDB.NET.Native;

namespace Mxcp.Plugins.DuckDb.Database;

/// <summary>
/// Interrupts the query running on a connection when its call is cancelled. DuckDB forgets an interrupt that arrives
/// between two statements, so once requested it repeats every 20 ms until the call ends; it stops (under a lock)
/// before the connection can go back to the pool, so a later call on that connection is never hit.
/// </summary>
internal sealed class QueryInterrupter(DuckDBNativeConnection connection) : IDisposable
{
    private readonly Lock _gate = new();
    private bool _finished;
    private Timer? _timer;

    public void Request()
    {
        lock (_gate)
        {
            if (_finished)
            {
                return;
            }

            connection.Interrupt();
            _timer ??= new Timer(static state => ((QueryInterrupter)state!).Repeat(), this, 20, 20);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _finished = true;
            _timer?.Dispose();
        }
    }

    private void Repeat()
    {
        lock (_gate)
        {
            if (!_finished)
            {
                connection.Interrupt();
            }
        }
    }
}
