using System.Collections.Concurrent;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.DuckDb.Functions;

/// <summary>
/// Which call each connection of one database is serving, and the cancellation of the query it runs, by DuckDB
/// connection id. The pool fills the call when it hands a connection to a call and clears it when the connection comes
/// back; the connection records each query's cancellation while the query runs. The SQL functions read both when they
/// run (for every chunk), not when a statement is bound, so that a statement prepared for one call and run again for
/// another sees the later call. (AsyncLocal would not work: DuckDB runs functions on its own threads.)
/// </summary>
internal sealed class ConnectionCallRegistry
{
    private readonly ConcurrentDictionary<ulong, CallContext> _calls = new();
    private readonly ConcurrentDictionary<ulong, CancellationToken> _queries = new();
    private readonly ConcurrentDictionary<ulong, bool> _functionCalls = new();

    public void Attach(ulong connectionId, CallContext context) => _calls[connectionId] = context;

    public void Detach(ulong connectionId) => _calls.TryRemove(connectionId, out _);

    public CallContext? Find(ulong connectionId) => _calls.GetValueOrDefault(connectionId);

    /// <summary>A query starts on the connection; <paramref name="cancellation"/> cancels it.</summary>
    public void BeginQuery(ulong connectionId, CancellationToken cancellation) => _queries[connectionId] = cancellation;

    /// <summary>The query ends; whether it called a plugin SQL function (<see cref="FunctionCalled"/>).</summary>
    public bool EndQuery(ulong connectionId)
    {
        _queries.TryRemove(connectionId, out _);
        return _functionCalls.TryRemove(connectionId, out _);
    }

    /// <summary>A plugin SQL function runs for the connection's current query (it may wait for another process).</summary>
    public void FunctionCalled(ulong connectionId) => _functionCalls[connectionId] = true;

    /// <summary>The call and the running query's cancellation (none outside a query) of a connection.</summary>
    public (CallContext? Call, CancellationToken Cancellation) FindQuery(ulong connectionId) =>
        (Find(connectionId), _queries.GetValueOrDefault(connectionId));
}
