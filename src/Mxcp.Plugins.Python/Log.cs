using Microsoft.Extensions.Logging;

namespace Mxcp.Plugins.Python;

/// <summary>The plugin's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Python worker {Slot} started: pid {Pid}, Python {Version}, {Modules} module(s) loaded, {Hooks} @on_init hook(s)")]
    public static partial void WorkerStarted(ILogger logger, int slot, int pid, string version, int modules, int hooks);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Python module {File} could not be imported: {Error}")]
    public static partial void ModuleImportFailed(ILogger logger, string file, string error);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "MXCP plugin {Plugin} could not be loaded: {Error}\n{Traceback}")]
    public static partial void PluginLoadFailed(ILogger logger, string plugin, string error, string traceback);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Python hook {Hook} failed: {Error}\n{Traceback}")]
    public static partial void HookFailed(ILogger logger, string hook, string error, string traceback);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "[python worker {Slot}] {Line}")]
    public static partial void WorkerOutput(ILogger logger, int slot, string line);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error,
        Message = "Python worker {Slot} (pid {Pid}) {Reason}; {Calls} call(s) in flight failed; restarting it in {DelayMs} ms")]
    public static partial void WorkerExited(ILogger logger, int slot, int pid, string reason, int calls, long delayMs);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "Python worker {Slot} could not be restarted: {Error}; retrying in {DelayMs} ms")]
    public static partial void WorkerRestartFailed(ILogger logger, int slot, string error, long delayMs);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "Python worker {Slot} (pid {Pid}) did not answer a health check within {Seconds} s; killing it")]
    public static partial void WorkerHung(ILogger logger, int slot, int pid, double seconds);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "Python endpoint {Endpoint} raised {Type}: {Error}\n{Traceback}")]
    public static partial void CallFailed(ILogger logger, string endpoint, string type, string error, string traceback);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Python endpoint {Endpoint} timed out after {Seconds} s and was cancelled")]
    public static partial void CallTimedOut(ILogger logger, string endpoint, double seconds);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "reload_duckdb: reload queued ({Description}, payload: {HasPayload})")]
    public static partial void ReloadQueued(ILogger logger, string description, bool hasPayload);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "reload_duckdb: reload finished ({Description}): {Outcome}")]
    public static partial void ReloadFinished(ILogger logger, string description, string outcome);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "Python mcp.{Level}: {Message}")]
    public static partial void ClientMessage(ILogger logger, string level, string message);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "Python worker {Slot} did not stop cleanly: {Error}")]
    public static partial void WorkerStopFailed(ILogger logger, int slot, string error);

    [LoggerMessage(EventId = 15, Level = LogLevel.Error, Message = "Python worker {Slot} broke the protocol: {Error}; killing it")]
    public static partial void ProtocolError(ILogger logger, int slot, string error);

    [LoggerMessage(EventId = 16, Level = LogLevel.Debug, Message = "Python worker callback {Method} failed: {Error}")]
    public static partial void CallbackFailed(ILogger logger, string method, string error);

    [LoggerMessage(EventId = 17, Level = LogLevel.Debug, Message = "Python SQL function {Function}: {Rows} rows in one call to worker {Slot}")]
    public static partial void SqlFunctionBatch(ILogger logger, string function, int rows, int slot);

    [LoggerMessage(EventId = 18, Level = LogLevel.Warning,
        Message = "A restarted Python worker's plugins define other SQL functions than those registered at start-up; the registered ones stay until the project is reloaded")]
    public static partial void SqlFunctionsChanged(ILogger logger);

    [LoggerMessage(EventId = 19, Level = LogLevel.Warning, Message = "Python SQL function {Function} raised {Type}: {Error}\n{Traceback}")]
    public static partial void SqlFunctionFailed(ILogger logger, string function, string type, string error, string traceback);

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Python SQL function {Function} timed out after {Seconds} s and was cancelled")]
    public static partial void SqlFunctionTimedOut(ILogger logger, string function, double seconds);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning,
        Message = "The project's plugins define SQL functions ({Functions}), but its SQL database cannot call plugin functions; SQL that uses them fails")]
    public static partial void SqlFunctionsNotRegistered(ILogger logger, string functions);
}
