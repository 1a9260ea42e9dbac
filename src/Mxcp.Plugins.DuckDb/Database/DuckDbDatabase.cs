using DuckDB.NET.Data;
using Mxcp.Plugins.DuckDb.Functions;
using Mxcp.Plugins.DuckDb.Native;

namespace Mxcp.Plugins.DuckDb.Database;

/// <summary>
/// One open DuckDB database file. A file is opened once per process and shared (reference-counted) by every executor
/// that uses it, so that a reload, which builds the new executor before the old one retires, reuses the instance
/// instead of opening the file a second time.
/// </summary>
/// <remarks>
/// The native instance is opened through DuckDB.NET's connection manager, which keeps one instance per data source
/// text for as long as any <see cref="DuckDBConnection"/> on it is open. Every connection here (the pool's, and the
/// ADO.NET connections of <see cref="DuckDbDataSource"/>) opens <see cref="ConnectionString"/>, so they all share one
/// instance: one file lock, one buffer cache, one catalog (the user-context functions and temporary secrets included).
/// Two instances of one file in a process would share neither. The instance closes when the last such connection
/// closes, which may be an ADO.NET connection a host still holds after the executors are gone.
/// </remarks>
internal sealed class DuckDbDatabase
{
    private const string ProbeFunction = "get_username";

    private static readonly Lock OpenGate = new();
    private static readonly Dictionary<string, DuckDbDatabase> Open = new(StringComparer.Ordinal);

    /// <summary>
    /// Per file for the life of the process, because the native instance may outlive this object (an ADO.NET
    /// connection keeps it open) and the functions registered in it keep the registry they were given.
    /// </summary>
    private static readonly Dictionary<string, FileState> States = new(StringComparer.Ordinal);

    private readonly DuckDBConnection _anchor;
    private readonly FileState _state;
    private int _references;

    private DuckDbDatabase(string path, bool readOnly, string connectionString, DuckDBConnection anchor, FileState state)
    {
        Path = path;
        ReadOnly = readOnly;
        ConnectionString = connectionString;
        _anchor = anchor;
        _state = state;
    }

    /// <summary>The absolute path of the database file.</summary>
    public string Path { get; }

    /// <summary>Whether the file is open read-only.</summary>
    public bool ReadOnly { get; }

    /// <summary>The DuckDB.NET connection string every connection to this database opens (see the remarks).</summary>
    public string ConnectionString { get; }

    /// <summary>The call each connection serves, read by the user-context SQL functions.</summary>
    public ConnectionCallRegistry Calls => _state.Calls;

    /// <summary>The plugins' SQL functions registered in this database, and which executor serves each connection.</summary>
    public SqlFunctionRouter Functions => _state.Functions;

    /// <summary>The temporary secrets the plugin created in this database, by name.</summary>
    public HashSet<string> CreatedSecrets => _state.CreatedSecrets;

    /// <summary>
    /// Opens <paramref name="path"/> (or joins the process's open instance of it). The parent folder is created; in
    /// read-only mode a missing file is first created by a short read-write open.
    /// </summary>
    public static DuckDbDatabase Acquire(string path, bool readOnly)
    {
        if (string.IsNullOrWhiteSpace(path) || path.Trim().StartsWith(":memory:", StringComparison.OrdinalIgnoreCase))
        {
            throw new DuckDbException("In-memory databases (:memory:) are not supported");
        }

        DuckDbNativeLibrary.EnsureLoaded();
        var fullPath = System.IO.Path.GetFullPath(path);
        lock (OpenGate)
        {
            if (Open.TryGetValue(fullPath, out var existing))
            {
                if (existing.ReadOnly != readOnly)
                {
                    throw ModeConflict(fullPath, existing.ReadOnly, readOnly);
                }

                existing._references++;
                return existing;
            }

            var directory = System.IO.Path.GetDirectoryName(fullPath);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            if (readOnly && !File.Exists(fullPath))
            {
                OpenConnection(BuildConnectionString(fullPath, readOnly: false), fullPath).Dispose();
            }

            var connectionString = BuildConnectionString(fullPath, readOnly);
            var anchor = OpenConnection(connectionString, fullPath);
            if (!States.TryGetValue(fullPath, out var state))
            {
                state = new FileState();
                States[fullPath] = state;
            }

            var database = new DuckDbDatabase(fullPath, readOnly, connectionString, anchor, state) { _references = 1 };
            try
            {
                using var connection = database.Connect();
                var mode = connection.Execute("SELECT current_setting('access_mode') AS mode", null, CancellationToken.None)[0]!["mode"]!.GetValue<string>();
                if (string.Equals(mode, "read_only", StringComparison.OrdinalIgnoreCase) != readOnly)
                {
                    // DuckDB.NET joins an instance a host opened earlier, whatever access_mode the connection string asks for.
                    throw ModeConflict(fullPath, !readOnly, readOnly);
                }

                LimitThreads(connection);
                var registered = connection.Execute(
                    "SELECT count(*) AS n FROM duckdb_functions() WHERE function_name = $name",
                    new Dictionary<string, object?> { ["name"] = ProbeFunction },
                    CancellationToken.None)[0]!["n"]!.GetValue<long>() > 0;
                if (!registered)
                {
                    // A new instance of the file: its catalog has no functions yet.
                    UserContextFunctions.Register(connection.Native, state.Calls);
                    state.Functions.Reset();
                }
            }
            catch
            {
                anchor.Dispose();
                throw;
            }

            Open[fullPath] = database;
            return database;
        }
    }

    /// <summary>Gives back a reference from <see cref="Acquire"/>; the last one closes the plugin's connections.</summary>
    public void Release()
    {
        lock (OpenGate)
        {
            if (--_references > 0)
            {
                return;
            }

            Open.Remove(Path);
            _anchor.Dispose();
        }
    }

    /// <summary>Opens a new connection for the pool (or for setting the database up).</summary>
    public DuckDbConnection Connect() => new(this, OpenConnection(ConnectionString, Path));

    /// <summary>Opens a new ADO.NET connection on the shared instance; the caller owns it.</summary>
    public DuckDBConnection OpenAdoConnection() => OpenConnection(ConnectionString, Path);

    /// <summary>
    /// Lowers DuckDB's worker threads to the CPUs this process may run on, when DuckDB counted more. DuckDB counts the
    /// machine's cores: a process pinned to fewer CPUs (an affinity mask, a container's CPU quota) otherwise runs more
    /// threads than it has CPUs, and every query pays for switching between them (on one CPU of two, <c>SELECT 1</c>
    /// cost a quarter more CPU and a point lookup about a sixth more). <see cref="Environment.ProcessorCount"/> honours
    /// both limits, and <c>DOTNET_PROCESSOR_COUNT</c> overrides it for an operator who wants more threads.
    /// A count DuckDB was given lower (by a host that opened the file first) is kept.
    /// </summary>
    private static void LimitThreads(DuckDbConnection connection)
    {
        var threads = connection.Execute("SELECT current_setting('threads')::BIGINT AS n", null, CancellationToken.None)[0]!["n"]!.GetValue<long>();
        if (threads > Environment.ProcessorCount)
        {
            connection.Execute(
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"SET threads = {Environment.ProcessorCount}"), null, CancellationToken.None);
        }
    }

    private static string BuildConnectionString(string fullPath, bool readOnly)
    {
        var builder = new DuckDBConnectionStringBuilder { DataSource = fullPath };
        if (readOnly)
        {
            builder["access_mode"] = "READ_ONLY";
        }

        return builder.ConnectionString;
    }

    private static DuckDBConnection OpenConnection(string connectionString, string path)
    {
        var connection = new DuckDBConnection(connectionString);
        try
        {
            connection.Open();
            return connection;
        }
        catch (DuckDBException e)
        {
            connection.Dispose();
            throw new DuckDbException($"Could not open DuckDB database '{path}': {Reason(e.Message)}", e);
        }
    }

    /// <summary>DuckDB's own words, without the name of the DuckDB.NET call that reported them.</summary>
    private static string Reason(string message) =>
        message.StartsWith("DuckDBOpen failed: ", StringComparison.Ordinal) ? message["DuckDBOpen failed: ".Length..] : message;

    private static DuckDbException ModeConflict(string path, bool openReadOnly, bool wantedReadOnly) => new(
        $"DuckDB database '{path}' is already open {(openReadOnly ? "read-only" : "read-write")} in this process; " +
        $"it cannot also be opened {(wantedReadOnly ? "read-only" : "read-write")}");

    /// <summary>What the plugin keeps about a database file across the instances and objects that open it.</summary>
    private sealed class FileState
    {
        public ConnectionCallRegistry Calls { get; } = new();

        public SqlFunctionRouter Functions { get; } = new();

        public HashSet<string> CreatedSecrets { get; } = new(StringComparer.Ordinal);
    }
}
