using Mxcp.Plugins.DuckDb.Functions;
using Mxcp.Plugins.DuckDb.Native;

namespace Mxcp.Plugins.DuckDb.Database;

/// <summary>
/// One open DuckDB database file. A file is opened once per process and shared (reference-counted) by every executor
/// that uses it, so that a reload, which builds the new executor before the old one retires, reuses the handle
/// instead of opening the file a second time.
/// </summary>
internal sealed class DuckDbDatabase
{
    private static readonly Lock OpenGate = new();
    private static readonly Dictionary<string, DuckDbDatabase> Open = new(StringComparer.Ordinal);

    private readonly DatabaseHandle _handle;
    private int _references;

    private DuckDbDatabase(string path, bool readOnly, DatabaseHandle handle)
    {
        Path = path;
        ReadOnly = readOnly;
        _handle = handle;
    }

    /// <summary>The absolute path of the database file.</summary>
    public string Path { get; }

    /// <summary>Whether the file is open read-only.</summary>
    public bool ReadOnly { get; }

    /// <summary>The call each connection serves, read by the user-context SQL functions.</summary>
    public ConnectionCallRegistry Calls { get; } = new();

    /// <summary>The temporary secrets the plugin created in this database, by name.</summary>
    public HashSet<string> CreatedSecrets { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Opens <paramref name="path"/> (or joins the process's open handle of it). The parent folder is created; in
    /// read-only mode a missing file is first created by a short read-write open.
    /// </summary>
    public static DuckDbDatabase Acquire(string path, bool readOnly)
    {
        if (string.IsNullOrWhiteSpace(path) || path.Trim().StartsWith(":memory:", StringComparison.OrdinalIgnoreCase))
        {
            throw new DuckDbException("In-memory databases (:memory:) are not supported");
        }

        var fullPath = System.IO.Path.GetFullPath(path);
        lock (OpenGate)
        {
            if (Open.TryGetValue(fullPath, out var existing))
            {
                if (existing.ReadOnly != readOnly)
                {
                    throw new DuckDbException(
                        $"DuckDB database '{fullPath}' is already open {(existing.ReadOnly ? "read-only" : "read-write")} in this process; " +
                        $"it cannot also be opened {(readOnly ? "read-only" : "read-write")}");
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
                OpenHandle(fullPath, readOnly: false).Dispose();
            }

            var database = new DuckDbDatabase(fullPath, readOnly, OpenHandle(fullPath, readOnly)) { _references = 1 };
            try
            {
                using var connection = database.Connect();
                UserContextFunctions.Register(connection.Handle, database.Calls);
            }
            catch
            {
                database._handle.Dispose();
                throw;
            }

            Open[fullPath] = database;
            return database;
        }
    }

    /// <summary>Gives back a reference from <see cref="Acquire"/>; the last one closes the file.</summary>
    public void Release()
    {
        lock (OpenGate)
        {
            if (--_references > 0)
            {
                return;
            }

            Open.Remove(Path);
            _handle.Dispose();
        }
    }

    /// <summary>Opens a new connection.</summary>
    public DuckDbConnection Connect()
    {
        if (NativeMethods.duckdb_connect(_handle, out var raw) != DuckDbState.Success)
        {
            new ConnectionHandle(raw).Dispose();
            throw new DuckDbException($"Could not connect to DuckDB database '{Path}'");
        }

        return new DuckDbConnection(this, new ConnectionHandle(raw));
    }

    private static unsafe DatabaseHandle OpenHandle(string path, bool readOnly)
    {
        DuckDbNativeLibrary.EnsureLoaded();
        NativeMethods.duckdb_create_config(out var rawConfig);
        using var config = new ConfigHandle(rawConfig);
        if (readOnly && NativeMethods.duckdb_set_config(config, "access_mode", "READ_ONLY") != DuckDbState.Success)
        {
            throw new DuckDbException("Could not set DuckDB option access_mode=READ_ONLY");
        }

        var state = NativeMethods.duckdb_open_ext(path, out var raw, config, out var error);
        var message = NativeText.Owned(error);
        var handle = new DatabaseHandle(raw);
        if (state != DuckDbState.Success)
        {
            handle.Dispose();
            throw new DuckDbException($"Could not open DuckDB database '{path}': {message ?? "unknown error"}");
        }

        return handle;
    }
}
