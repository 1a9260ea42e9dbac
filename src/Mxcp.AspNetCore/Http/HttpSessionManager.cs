using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Mxcp.AspNetCore.Http;

/// <summary>
/// The live MCP sessions of one endpoint: lookup, idle pruning (every 5 s), a cap on idle sessions, termination, and
/// disposal on shutdown. The admin API reads and ends sessions through it.
/// </summary>
internal sealed partial class HttpSessionManager : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, HttpMcpSession> _sessions = new(StringComparer.Ordinal);
    private readonly MxcpHttpOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task? _pruning;

    public HttpSessionManager(MxcpHttpOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
    }

    /// <summary>Raised when a session opens or closes (for the admin event stream).</summary>
    public event Action<HttpMcpSession, bool>? SessionChanged;

    public int Count => _sessions.Count;

    public IReadOnlyCollection<HttpMcpSession> Sessions => [.. _sessions.Values];

    public void StartPruning()
    {
        _pruning ??= PruneLoopAsync(_stop.Token);
    }

    public bool TryGet(string id, out HttpMcpSession session) => _sessions.TryGetValue(id, out session!);

    public async Task AddAsync(HttpMcpSession session)
    {
        // Keep the number of idle sessions bounded: close the oldest idle ones before adding.
        var idle = _sessions.Values.Where(s => !s.IsActive).OrderBy(s => s.LastActivity).ToList();
        for (var i = 0; i <= idle.Count - _options.MaxIdleSessionCount; i++)
        {
            LogIdleSessionEvicted(_logger, idle[i].Id);
            await RemoveAsync(idle[i].Id).ConfigureAwait(false);
        }

        _sessions[session.Id] = session;
        SessionChanged?.Invoke(session, true);
    }

    /// <summary>Ends a session; <see langword="false"/> when there is none with that id.</summary>
    public async Task<bool> RemoveAsync(string id)
    {
        if (!_sessions.TryRemove(id, out var session))
        {
            return false;
        }

        await session.DisposeAsync().ConfigureAwait(false);
        SessionChanged?.Invoke(session, false);
        return true;
    }

    private async Task PruneLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5), _options.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var cutoff = _options.TimeProvider.GetUtcNow() - _options.IdleTimeout;
                foreach (var session in _sessions.Values.Where(s => !s.IsActive && s.LastActivity < cutoff).ToList())
                {
                    LogIdleSessionClosed(_logger, session.Id);
                    await RemoveAsync(session.Id).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_pruning is not null)
        {
            await _pruning.ConfigureAwait(false);
        }

        foreach (var id in _sessions.Keys.ToList())
        {
            await RemoveAsync(id).ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed idle MCP session {SessionId}")]
    private static partial void LogIdleSessionClosed(ILogger logger, string sessionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closed the oldest idle MCP session {SessionId} (idle session limit reached)")]
    private static partial void LogIdleSessionEvicted(ILogger logger, string sessionId);
}
