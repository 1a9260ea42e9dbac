using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Mxcp.Authentication.Storage;

/// <summary>What differs between the SQL token stores: opening a connection and creating the tables.</summary>
internal abstract class SqlTokenStoreDialect : IAsyncDisposable
{
    /// <summary>The tables, in a form both SQLite and PostgreSQL accept.</summary>
    protected static readonly string[] Tables =
    [
        """
        CREATE TABLE IF NOT EXISTS mxcp_oauth_clients (
            client_id TEXT PRIMARY KEY, secret_hash TEXT, auth_method TEXT NOT NULL, redirect_uris TEXT NOT NULL,
            grant_types TEXT NOT NULL, response_types TEXT NOT NULL, scope TEXT, client_name TEXT,
            issued_at BIGINT NOT NULL, source TEXT NOT NULL)
        """,
        "CREATE TABLE IF NOT EXISTS mxcp_oauth_states (state_hash TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at BIGINT NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS mxcp_oauth_sessions (
            session_id TEXT PRIMARY KEY, client_id TEXT NOT NULL, user_data TEXT NOT NULL, provider_tokens TEXT,
            provider_expires_at BIGINT, access_hash TEXT UNIQUE, refresh_hash TEXT UNIQUE, access_expires_at BIGINT,
            refresh_expires_at BIGINT, created_at BIGINT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS mxcp_oauth_codes (
            code_hash TEXT PRIMARY KEY, session_id TEXT NOT NULL, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL,
            redirect_explicit BIGINT NOT NULL, code_challenge TEXT NOT NULL, expires_at BIGINT NOT NULL)
        """,
    ];

    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    public abstract Task CreateSchemaAsync(CancellationToken cancellationToken);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// A SQLite file (<c>~/.mxcp/oauth.db</c> by default), created with mode 0600 and written in WAL mode, so that several
/// processes on one machine can share it.
/// </summary>
internal sealed class SqliteTokenStoreDialect(string path) : SqlTokenStoreDialect
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    public override async Task CreateSchemaAsync(CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        if (!File.Exists(path))
        {
            await using (File.Create(path))
            {
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var disposeConnection = connection.ConfigureAwait(false);
        var command = connection.CreateCommand();
        await using var disposeCommand = command.ConfigureAwait(false);
        command.CommandText = "PRAGMA journal_mode=WAL;" + string.Join(";", Tables);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A PostgreSQL database that several Mxcp replicas share (<c>auth.persistence.type: postgres</c>).</summary>
internal sealed class PostgresTokenStoreDialect(string connectionString) : SqlTokenStoreDialect
{
    /// <summary>Serializes table creation among replicas that start at once.</summary>
    private const long SchemaLockKey = 0x6d78_6370_6f61_7574;

    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(connectionString);

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public override async Task CreateSchemaAsync(CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var disposeConnection = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var disposeTransaction = transaction.ConfigureAwait(false);
        var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({SchemaLockKey});" + string.Join(";", Tables), connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
