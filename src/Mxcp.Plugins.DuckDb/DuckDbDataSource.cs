using System.Data.Common;
using DuckDB.NET.Data;
using Mxcp.Plugins.DuckDb.Database;

namespace Mxcp.Plugins.DuckDb;

/// <summary>
/// ADO.NET (DuckDB.NET) connections to the DuckDB database of the loaded project, for hosts and plugins that want
/// <see cref="DuckDBCommand"/>, <see cref="DuckDBAppender"/> or a micro-ORM next to Mxcp's SQL endpoints.
/// <c>AddDuckDb()</c> registers it as a singleton; resolve it from the service provider, or resolve
/// <see cref="DbDataSource"/> with the key <see cref="ServiceKey"/> from code that cannot reference this assembly's
/// types (a plugin loaded from its own folder).
/// </summary>
/// <remarks>
/// <para>
/// A connection shares the database instance of the plugin's connection pool (DuckDB.NET keeps one instance per
/// <see cref="ConnectionString"/>): the same file lock, buffer cache and catalog, so it sees the project's tables,
/// secrets and user-context SQL functions (which return NULL outside a call), and writes are visible to SQL endpoints
/// at once. Open connections through this data source or with <see cref="ConnectionString"/> exactly: a connection
/// string of your own naming the same file differently (a relative path) would open a second, independent instance.
/// </para>
/// <para>
/// The database is the one of the newest loaded project snapshot, so it follows a reload that changes
/// <c>duckdb.path</c>. Connections already open stay on the database they opened. An open connection keeps the
/// database file open, also after the project stops; dispose it when done. In read-only mode (<c>--readonly</c>)
/// connections are read-only too.
/// </para>
/// <para>
/// <see cref="DuckDBAppender"/> writes each value at the width of its CLR type without checking the column's type:
/// append exactly the column's type (an <see cref="int"/> for INTEGER, a <see cref="long"/> for BIGINT). An integer
/// literal binds to <c>AppendValue(sbyte?)</c>, which sets one byte of an INTEGER and leaves the other three as the
/// reused chunk had them; a wider value writes past its slot.
/// </para>
/// </remarks>
public sealed class DuckDbDataSource : DbDataSource
{
    /// <summary>The service key under which <c>AddDuckDb()</c> also registers this data source as a <see cref="DbDataSource"/>.</summary>
    public const string ServiceKey = "Mxcp.DuckDb";

    private readonly Lock _gate = new();
    private readonly List<DuckDbDatabase> _databases = [];

    /// <summary>Created by <c>AddDuckDb()</c> only: a data source of its own would never see a loaded project.</summary>
    internal DuckDbDataSource()
    {
    }

    /// <summary>The DuckDB.NET connection string of the loaded project's database.</summary>
    /// <exception cref="InvalidOperationException">No project with a DuckDB database is loaded.</exception>
    public override string ConnectionString => Current().ConnectionString;

    /// <summary>The full path of the loaded project's database file.</summary>
    /// <exception cref="InvalidOperationException">No project with a DuckDB database is loaded.</exception>
    public string DatabasePath => Current().Path;

    /// <summary>Whether the database is open read-only.</summary>
    /// <exception cref="InvalidOperationException">No project with a DuckDB database is loaded.</exception>
    public bool IsReadOnly => Current().ReadOnly;

    /// <summary>A new, closed connection to the loaded project's database.</summary>
    /// <returns>A connection the caller opens and disposes.</returns>
    /// <exception cref="InvalidOperationException">No project with a DuckDB database is loaded.</exception>
    public new DuckDBConnection CreateConnection() => new(ConnectionString);

    /// <summary>A new, open connection to the loaded project's database.</summary>
    /// <returns>An open connection the caller disposes.</returns>
    /// <exception cref="InvalidOperationException">No project with a DuckDB database is loaded.</exception>
    public new DuckDBConnection OpenConnection() => Current().OpenAdoConnection();

    /// <summary>A new, open connection to the loaded project's database (DuckDB opens connections synchronously).</summary>
    /// <param name="cancellationToken">Checked before the connection is opened.</param>
    /// <returns>An open connection the caller disposes.</returns>
    /// <exception cref="InvalidOperationException">No project with a DuckDB database is loaded.</exception>
    public new ValueTask<DuckDBConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(OpenConnection());
    }

    /// <inheritdoc />
    protected override DbConnection CreateDbConnection() => CreateConnection();

    /// <inheritdoc />
    protected override DbConnection OpenDbConnection() => OpenConnection();

    /// <inheritdoc />
    protected override async ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default) =>
        await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>A snapshot's executor opened <paramref name="database"/>; it becomes the current one.</summary>
    internal void Attach(DuckDbDatabase database)
    {
        lock (_gate)
        {
            _databases.Add(database);
        }
    }

    /// <summary>That executor retired; the newest remaining one (if any) is current.</summary>
    internal void Detach(DuckDbDatabase database)
    {
        lock (_gate)
        {
            var index = _databases.LastIndexOf(database);
            if (index >= 0)
            {
                _databases.RemoveAt(index);
            }
        }
    }

    private DuckDbDatabase Current()
    {
        lock (_gate)
        {
            return _databases.Count > 0
                ? _databases[^1]
                : throw new InvalidOperationException(
                    "No project with a DuckDB database is loaded: DuckDbDataSource connects once the Mxcp host has started and loaded the project");
        }
    }
}
