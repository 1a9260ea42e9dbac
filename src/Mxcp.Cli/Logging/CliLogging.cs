using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using ModelContextProtocol;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Cli.Logging;

/// <summary>
/// The logging of the <c>mxcp</c> command (<see cref="LogSettings"/>): stderr always (stdout belongs to results, and to
/// the protocol under stdio), as text or one JSON object per line, plus the rotating log file when configured. The
/// runtime's scrubbing logger factory sits in front of every one of them.
/// </summary>
internal static class CliLogging
{
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    /// <summary>The MCP SDK's server and session loggers.</summary>
    private const string SdkServerCategory = "ModelContextProtocol.Server";

    /// <summary>The host's "Hosting failed to start" event: <c>mxcp</c> reports that error itself, in one line.</summary>
    private const int HostingFailedToStart = 11;

    /// <summary>
    /// The host's "BackgroundService failed" and "stopping the host" events. A background service whose first run was
    /// cancelled before it began (the host failed to start and is being disposed) reports an
    /// <see cref="OperationCanceledException"/> through them, which is no failure of its own.
    /// </summary>
    private const int BackgroundServiceFaulted = 9;

    private const int BackgroundServiceStoppingHost = 10;

    /// <param name="logging">The host's logging builder.</param>
    /// <param name="settings">Level, format and file.</param>
    /// <param name="userConfigFile">The user configuration file, for errors about <c>logging.path</c>.</param>
    public static void Configure(ILoggingBuilder logging, LogSettings settings, string? userConfigFile = null)
    {
        logging.ClearProviders();
        if (settings.Json)
        {
            logging.AddConsole(o => o.FormatterName = JsonLogFormatter.FormatterName);
            logging.AddConsoleFormatter<JsonLogFormatter, ConsoleFormatterOptions>();
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            });
        }

        logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        if (settings.FilePath is { } path)
        {
            RotatingFileLoggerProvider file;
            try
            {
                file = new RotatingFileLoggerProvider(path, settings.MaxBytes, settings.BackupCount, settings.Json);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ProjectFileException(userConfigFile ?? "user configuration", $"logging.path: cannot write the log file {path}: {e.Message}", e);
            }

            logging.Services.AddSingleton<ILoggerProvider>(_ => file);
        }

        logging.SetMinimumLevel(settings.Level);

        // ASP.NET Core's and the MCP SDK's own request lines repeat the access log (Mxcp.Access); they stay for DEBUG.
        if (settings.Level == LogLevel.Information)
        {
            logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            logging.AddFilter("ModelContextProtocol", LogLevel.Warning);
        }

        logging.Services.Decorate<ILoggerFactory>((inner, _) => new CliLogFilter(inner));
    }

    /// <summary>
    /// Leaves out the host's own report of a start-up failure, which <c>mxcp</c> reports as one line, and the cancelled
    /// background services that come with it; and turns the MCP SDK's report of a request answered with a protocol
    /// error (an unknown method, invalid parameters: the client's mistake, already answered to it and logged by the SDK
    /// as one warning line) into a debug line without a stack trace, so that a client cannot fill the log with stack
    /// traces.
    /// </summary>
    private sealed class CliLogFilter(ILoggerFactory inner) : ILoggerFactory
    {
        // One logger per category, as the inner factory keeps: the SDK asks for its loggers once per request in
        // stateless mode.
        private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

        public ILogger CreateLogger(string categoryName) =>
            _loggers.TryGetValue(categoryName, out var logger) ? logger : _loggers.GetOrAdd(categoryName, Create);

        private ILogger Create(string categoryName)
        {
            var logger = inner.CreateLogger(categoryName);
            return categoryName == HostCategory ? new Filtered(logger, host: true)
                : categoryName.StartsWith(SdkServerCategory, StringComparison.Ordinal) ? new Filtered(logger, host: false)
                : logger;
        }

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        // The decorated factory belongs to the container, which disposes it.
        public void Dispose()
        {
        }

        private sealed class Filtered(ILogger inner, bool host) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => inner.BeginScope(state);

            public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var hostNoise = host && (eventId.Id == HostingFailedToStart
                    || (eventId.Id is BackgroundServiceFaulted or BackgroundServiceStoppingHost && exception is OperationCanceledException));
                if (!host && exception is McpProtocolException)
                {
                    inner.Log(LogLevel.Debug, eventId, state, null, formatter);
                }
                else if (!hostNoise)
                {
                    inner.Log(logLevel, eventId, state, exception, formatter);
                }
            }
        }
    }
}
