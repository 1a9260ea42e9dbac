using System.Collections.Concurrent;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.DuckDb.Functions;

/// <summary>
/// Which call each connection of one database is serving, by DuckDB connection id. The pool fills it when it hands a
/// connection to a call and clears it when the connection comes back; the user-context SQL functions read it when a
/// query that uses them is bound. (AsyncLocal would not work: DuckDB runs functions on its own threads.)
/// </summary>
internal sealed class ConnectionCallRegistry
{
    private readonly ConcurrentDictionary<ulong, CallContext> _calls = new();

    public void Attach(ulong connectionId, CallContext context) => _calls[connectionId] = context;

    public void Detach(ulong connectionId) => _calls.TryRemove(connectionId, out _);

    public CallContext? Find(ulong connectionId) => _calls.GetValueOrDefault(connectionId);
}
