using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Mxcp.Tests.Shared;

/// <summary>
/// A logger that keeps every message at every level, to check what is logged (and what must not be); as a provider it
/// is the logger of every category.
/// </summary>
public sealed class RecordingLogger : ILogger, ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Messages { get; } = new();

    public string All => string.Join('\n', Messages.Select(m => m.Message));

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public ILogger CreateLogger(string categoryName) => this;

    public void Dispose()
    {
    }

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Messages.Enqueue((logLevel, formatter(state, exception) + (exception is null ? "" : "\n" + exception)));
}
