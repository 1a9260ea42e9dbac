using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mxcp.Runtime.Mcp.Sessions;

/// <summary>
/// The live MCP sessions of every transport of the host (Streamable HTTP, legacy SSE, stdio): each transport adds its
/// sessions when they open and removes them when they close. The admin API lists, shows and ends them through it.
/// </summary>
internal sealed partial class McpSessionRegistry(IServiceProvider services, ILogger<McpSessionRegistry> logger)
{
    private readonly ConcurrentDictionary<string, RegisteredSession> _sessions = new(StringComparer.Ordinal);

    // Resolved at the first notification: listeners may depend on services that depend on the registry.
    private IMcpSessionListener[]? _listeners;

    /// <summary>The live sessions, oldest first.</summary>
    public IReadOnlyList<RegisteredSession> Sessions => [.. _sessions.Values.OrderBy(s => s.CreatedAt)];

    public int Count => _sessions.Count;

    public bool TryGet(string id, out RegisteredSession session) => _sessions.TryGetValue(id, out session!);

    /// <summary>Adds a session that has just opened.</summary>
    /// <exception cref="InvalidOperationException">A live session already has this id.</exception>
    public void Add(RegisteredSession session)
    {
        if (!_sessions.TryAdd(session.Id, session))
        {
            throw new InvalidOperationException($"An MCP session with id '{session.Id}' is already registered.");
        }

        LogOpened(logger, session.Id, session.Transport);
        Notify(static (l, s) => l.OnSessionOpened(s), session);
    }

    /// <summary>Removes a session that has closed; <see langword="false"/> when it was not registered.</summary>
    public bool Remove(RegisteredSession session)
    {
        if (!_sessions.TryRemove(new KeyValuePair<string, RegisteredSession>(session.Id, session)))
        {
            return false;
        }

        LogClosed(logger, session.Id, session.Transport);
        Notify(static (l, s) => l.OnSessionClosed(s), session);
        return true;
    }

    /// <summary>Ends the session with this id; <see langword="false"/> when there is no such session.</summary>
    public async Task<bool> TerminateAsync(string id, CancellationToken cancellationToken)
    {
        if (!_sessions.TryGetValue(id, out var session))
        {
            return false;
        }

        LogTerminating(logger, id, session.Transport);
        return await session.TerminateAsync(cancellationToken).ConfigureAwait(false);
    }

    private void Notify(Action<IMcpSessionListener, RegisteredSession> notify, RegisteredSession session)
    {
        _listeners ??= [.. services.GetServices<IMcpSessionListener>()];
        foreach (var listener in _listeners)
        {
            try
            {
                notify(listener, session);
            }
            catch (Exception e)
            {
                LogListenerFailed(logger, listener.GetType().Name, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "MCP session {SessionId} opened ({Transport})")]
    private static partial void LogOpened(ILogger logger, string sessionId, string transport);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MCP session {SessionId} closed ({Transport})")]
    private static partial void LogClosed(ILogger logger, string sessionId, string transport);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ending MCP session {SessionId} ({Transport}) on request")]
    private static partial void LogTerminating(ILogger logger, string sessionId, string transport);

    [LoggerMessage(Level = LogLevel.Error, Message = "A session listener ({Listener}) failed")]
    private static partial void LogListenerFailed(ILogger logger, string listener, Exception exception);
}
