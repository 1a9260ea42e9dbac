using DuckDB.NET.Native;
using Mxcp.Plugins.DuckDb.Native;

namespace Mxcp.Plugins.DuckDb.Database;

/// <summary>
/// The prepared statements of one connection, by SQL text, least recently used evicted first. Only single-statement
/// texts that read or write rows are kept (see <see cref="IsCacheable"/>); DuckDB rebinds a kept statement by itself
/// when the catalog it read has changed. Not thread-safe: used by its connection's one call at a time. Disposing an
/// entry's statement is the cache's job (on eviction, <see cref="Remove"/> and <see cref="Clear"/>).
/// </summary>
internal sealed class PreparedStatementCache
{
    /// <summary>Statements kept per connection unless set otherwise.</summary>
    public const int DefaultCapacity = 128;

    private readonly Dictionary<string, LinkedListNode<CachedStatement>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<CachedStatement> _recency = new();
    private int _capacity = DefaultCapacity;

    /// <summary>How many statements are kept at most; 0 turns the cache off. Lowering it evicts at once.</summary>
    public int Capacity
    {
        get => _capacity;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _capacity = value;
            while (_recency.Count > _capacity)
            {
                Evict(_recency.Last!);
            }
        }
    }

    public int Count => _recency.Count;

    /// <summary>Lookups answered from the cache, since the connection opened.</summary>
    public long Hits { get; private set; }

    /// <summary>Lookups that had to prepare, since the connection opened.</summary>
    public long Misses { get; private set; }

    /// <summary>Whether a statement of this type may be kept and run again with new parameter values.</summary>
    public static bool IsCacheable(StatementKind kind) =>
        kind is StatementKind.Select or StatementKind.Insert or StatementKind.Update or StatementKind.Delete;

    public bool TryGet(string sql, out CachedStatement statement)
    {
        if (_entries.TryGetValue(sql, out var node))
        {
            _recency.Remove(node);
            _recency.AddFirst(node);
            Hits++;
            statement = node.Value;
            return true;
        }

        Misses++;
        statement = null!;
        return false;
    }

    /// <summary>The statement kept for <paramref name="sql"/>, without counting a hit or changing its recency.</summary>
    public CachedStatement? Peek(string sql) => _entries.TryGetValue(sql, out var node) ? node.Value : null;

    /// <summary>Keeps <paramref name="statement"/> (the cache owns it from now on) when the cache is on.</summary>
    /// <returns>Whether it was kept; when not, the caller still owns it.</returns>
    public bool TryAdd(CachedStatement statement)
    {
        if (_capacity == 0 || _entries.ContainsKey(statement.Sql))
        {
            return false;
        }

        while (_recency.Count >= _capacity)
        {
            Evict(_recency.Last!);
        }

        _entries[statement.Sql] = _recency.AddFirst(statement);
        return true;
    }

    /// <summary>Forgets and disposes the statement kept for <paramref name="sql"/>, if any.</summary>
    public void Remove(string sql)
    {
        if (_entries.TryGetValue(sql, out var node))
        {
            Evict(node);
        }
    }

    /// <summary>Forgets and disposes every statement.</summary>
    public void Clear()
    {
        while (_recency.Last is { } node)
        {
            Evict(node);
        }
    }

    private void Evict(LinkedListNode<CachedStatement> node)
    {
        _recency.Remove(node);
        _entries.Remove(node.Value.Sql);
        node.Value.Prepared.Dispose();
    }
}

/// <summary>A prepared statement and the names of its parameters in order (<c>$name</c>, or the number of <c>$1</c>).</summary>
internal sealed record CachedStatement(string Sql, DuckDBPreparedStatement Prepared, string[] ParameterNames)
{
    /// <summary>
    /// Whether its last run was short and called no plugin SQL function: such a statement runs on the caller's thread
    /// (<see cref="DuckDbConnection.RunAsync{T}"/>). Written and read only by the connection's one caller at a time.
    /// </summary>
    public bool Quick { get; set; }
}
