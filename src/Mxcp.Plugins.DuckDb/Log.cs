using Microsoft.Extensions.Logging;

namespace Mxcp.Plugins.DuckDb;

/// <summary>The plugin's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "DuckDB {Version} database {Path} opened ({Mode}, {PoolSize} connections)")]
    public static partial void DatabaseOpened(ILogger logger, string version, string path, string mode, int poolSize);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "DuckDB extension {Name} loaded")]
    public static partial void ExtensionLoaded(ILogger logger, string name);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Secret {Name} ({Type}) created in DuckDB")]
    public static partial void SecretCreated(ILogger logger, string name, string type);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug,
        Message = "Secret {Name} ({Type}) is not a DuckDB secret and was not created in DuckDB: {Reason}")]
    public static partial void SecretSkipped(ILogger logger, string name, string type, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning,
        Message = "DuckDB database {Path} closed while {Count} connections were still busy after the drain timeout; their queries were interrupted")]
    public static partial void PoolClosedWithBusyConnections(ILogger logger, string path, int count);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "DuckDB database {Path} closed")]
    public static partial void DatabaseClosed(ILogger logger, string path);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "SQL function {Function} registered for {Origin}")]
    public static partial void SqlFunctionRegistered(ILogger logger, string function, string origin);
}
