using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Mxcp.Runtime.Execution;

namespace Mxcp.Runtime.Hosting;

/// <summary>
/// Decorates the host's logger factory so that no log line, whoever writes it (Mxcp, a plugin, the MCP SDK, ASP.NET
/// Core), shows a secret or a sensitive argument value (<see cref="SensitiveTextRegistry"/>): the message, the values
/// of a structured message and the exception text are scrubbed. Lines without such text pass through unchanged.
/// </summary>
internal sealed class ScrubbingLoggerFactory(ILoggerFactory inner, SensitiveTextRegistry registry) : ILoggerFactory
{
    // The SDK asks for its loggers once per session, which in stateless mode is once per request: one wrapper per
    // category, as the inner factory keeps one logger per category (and updates it when a provider is added).
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) =>
        _loggers.TryGetValue(categoryName, out var logger)
            ? logger
            : _loggers.GetOrAdd(categoryName, name => new ScrubbingLogger(inner.CreateLogger(name), registry));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    // The decorated factory belongs to the container, which disposes it.
    public void Dispose()
    {
    }

    private sealed class ScrubbingLogger(ILogger inner, SensitiveTextRegistry registry) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scrub = registry.Current;
            if (scrub.IsEmpty || !inner.IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            var message = formatter(state, exception);
            var values = state as IReadOnlyList<KeyValuePair<string, object?>>;
            if (!scrub.Occurs(message) && (exception is null || !scrub.Occurs(exception.ToString()))
                && (values is null || !values.Any(v => scrub.Occurs(v.Value?.ToString()))))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            var scrubbed = new ScrubbedState(scrub.Scrub(message), values?.Select(v => v.Key == "{OriginalFormat}" || v.Value is null
                ? v
                : new KeyValuePair<string, object?>(v.Key, scrub.Occurs(v.Value.ToString()) ? scrub.Scrub(v.Value.ToString()!) : v.Value)).ToList() ?? []);
            inner.Log(logLevel, eventId, scrubbed, exception is null ? null : new ScrubbedException(exception, scrub), static (s, _) => s.Message);
        }
    }

    /// <summary>A log message and its values, scrubbed.</summary>
    private sealed class ScrubbedState(string message, IReadOnlyList<KeyValuePair<string, object?>> values) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public string Message { get; } = message;

        public int Count => values.Count;

        public KeyValuePair<string, object?> this[int index] => values[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Message;
    }
}
