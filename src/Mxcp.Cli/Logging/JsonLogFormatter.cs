using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Mxcp.Cli.Logging;

/// <summary><c>MXCP_LOG_FORMAT=json</c> on stderr: one JSON object per line (<see cref="LogLine.Json"/>).</summary>
internal sealed class JsonLogFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "mxcp-json";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        // The console logger formats on the thread that logs, so the current activity is the caller's.
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        textWriter.Write(LogLine.Json(DateTimeOffset.UtcNow, logEntry.LogLevel, logEntry.Category, logEntry.EventId, message,
            logEntry.State as IReadOnlyList<KeyValuePair<string, object?>>, logEntry.Exception, Activity.Current));
        textWriter.Write('\n');
    }
}
