using System.Collections.Concurrent;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.DuckDb.Functions;

/// <summary>
/// The plugins' SQL functions of one database file, for the bind step of <see cref="PluginFunctions"/>: which
/// functions DuckDB's catalog has (registered once per database instance, by signature), and which executor's
/// <see cref="SqlFunctionTable"/> serves each connection. A pool's connections belong to one executor (one project
/// snapshot), so after a reload the new snapshot's queries call the new providers while the old snapshot finishes with
/// its own; any other connection (ADO.NET, set-up) uses the newest executor's table.
/// </summary>
internal sealed class SqlFunctionRouter
{
    private readonly ConcurrentDictionary<ulong, SqlFunctionTable> _byConnection = new();
    private readonly Lock _gate = new();
    private readonly List<SqlFunctionTable> _tables = [];
    private readonly HashSet<string> _registered = new(StringComparer.Ordinal);

    /// <summary>The table of the executor that owns <paramref name="connectionId"/>, else the newest one.</summary>
    public SqlFunctionTable? Find(ulong connectionId)
    {
        if (_byConnection.TryGetValue(connectionId, out var table))
        {
            return table;
        }

        lock (_gate)
        {
            return _tables.Count > 0 ? _tables[^1] : null;
        }
    }

    /// <summary>An executor starts: its connections use its table, which becomes the newest.</summary>
    public void Attach(SqlFunctionTable table, IEnumerable<ulong> connectionIds)
    {
        foreach (var id in connectionIds)
        {
            _byConnection[id] = table;
        }

        lock (_gate)
        {
            _tables.Add(table);
        }
    }

    /// <summary>The executor retired.</summary>
    public void Detach(SqlFunctionTable table, IEnumerable<ulong> connectionIds)
    {
        foreach (var id in connectionIds)
        {
            _byConnection.TryRemove(new KeyValuePair<ulong, SqlFunctionTable>(id, table));
        }

        lock (_gate)
        {
            _tables.Remove(table);
        }
    }

    /// <summary>Whether DuckDB's catalog already has a function of this signature (<see cref="SqlFunctionTable.Key"/>); marks it as registered if not.</summary>
    public bool MarkRegistered(string key)
    {
        lock (_gate)
        {
            return !_registered.Add(key);
        }
    }

    /// <summary>A registration that failed does not count.</summary>
    public void Unmark(string key)
    {
        lock (_gate)
        {
            _registered.Remove(key);
        }
    }

    /// <summary>A new database instance of the file (the previous one closed): its catalog has none of the functions.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _registered.Clear();
        }
    }
}

/// <summary>The plugins' SQL functions of one executor (one project snapshot), by signature.</summary>
internal sealed class SqlFunctionTable
{
    private readonly ConcurrentDictionary<string, SqlFunctionEntry> _functions = new(StringComparer.Ordinal);

    /// <summary><c>name(TYPE, TYPE)</c> with DuckDB's text of each parameter type: how DuckDB tells overloads apart.</summary>
    public static string Key(string name, IEnumerable<string> parameterTypes) => $"{name}({string.Join(", ", parameterTypes)})";

    public SqlFunctionEntry? Find(string key) => _functions.GetValueOrDefault(key);

    /// <summary>Adds a function; <see langword="false"/> when another provider of this snapshot has the same signature.</summary>
    public bool TryAdd(string key, SqlFunctionEntry entry) => _functions.TryAdd(key, entry);

    public IEnumerable<SqlFunctionEntry> Entries => _functions.Values;
}

/// <summary>A function of a provider, with the types its values are read and written as.</summary>
internal sealed record SqlFunctionEntry(SqlFunction Function, ISqlFunctionProvider Provider, SqlValueType[] Parameters, SqlValueType Return);
