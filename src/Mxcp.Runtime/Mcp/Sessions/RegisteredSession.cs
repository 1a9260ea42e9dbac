using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Mxcp.Runtime.Mcp.Sessions;

/// <summary>
/// One live MCP session of any transport, as the admin API shows it: its id, transport, user, client, activity, and a
/// way to end it that does what the transport does when its client ends it.
/// </summary>
internal sealed class RegisteredSession
{
    private readonly Func<CancellationToken, Task<bool>> _terminate;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private int _activeRequests;
    private DateTimeOffset _lastActivity;
    private long _lastServedByServer;

    /// <param name="id">The session id (<c>Mcp-Session-Id</c>, the legacy SSE <c>session_id</c>, or one made up for stdio).</param>
    /// <param name="transport"><c>streamable-http</c>, <c>sse</c> or <c>stdio</c>.</param>
    /// <param name="server">The session's server (its client and negotiated protocol version).</param>
    /// <param name="userId">The id of the user who opened the session, if authenticated.</param>
    /// <param name="terminate">Ends the session; <see langword="false"/> when it could not be ended.</param>
    /// <param name="clock">The clock of activity times.</param>
    public RegisteredSession(string id, string transport, McpServer server, string? userId, Func<CancellationToken, Task<bool>> terminate, TimeProvider clock)
    {
        Id = id;
        Transport = transport;
        Server = server;
        UserId = userId;
        _terminate = terminate;
        _clock = clock;
        CreatedAt = clock.GetUtcNow();
        _lastActivity = CreatedAt;
        _lastServedByServer = clock.GetTimestamp();
    }

    /// <summary>
    /// What binds the session to the user who opened it, as its transport compares it (equal for requests of the same
    /// user); <see langword="null"/> for a session opened without authentication.
    /// </summary>
    public object? Binding { get; init; }

    public string Id { get; }

    public string Transport { get; }

    public McpServer Server { get; }

    public string? UserId { get; }

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset LastActivity
    {
        get
        {
            lock (_gate)
            {
                return _lastActivity;
            }
        }
    }

    /// <summary>Whether a request of the session is running now (an open stream counts).</summary>
    public bool IsActive
    {
        get
        {
            lock (_gate)
            {
                return _activeRequests > 0;
            }
        }
    }

    public Implementation? ClientInfo => Server.ClientInfo;

    public string? ProtocolVersion => Server.NegotiatedProtocolVersion;

    /// <summary>Marks a request of the session as running until the returned handle is disposed.</summary>
    public IDisposable BeginRequest()
    {
        lock (_gate)
        {
            _activeRequests++;
            _lastActivity = _clock.GetUtcNow();
        }

        return new Activity(this);
    }

    /// <summary>
    /// Notes that a request of the session reached the session's own server (which keeps its idle time); requests a
    /// transport answers on the server's behalf do not.
    /// </summary>
    public void MarkServedByServer() => Interlocked.Exchange(ref _lastServedByServer, _clock.GetTimestamp());

    /// <summary>Whether a request of the session reached the session's own server within <paramref name="span"/>.</summary>
    public bool ServedByServerWithin(TimeSpan span) => _clock.GetElapsedTime(Interlocked.Read(ref _lastServedByServer)) < span;

    /// <summary>Ends the session as its transport does when the client ends it.</summary>
    public Task<bool> TerminateAsync(CancellationToken cancellationToken) => _terminate(cancellationToken);

    private void EndRequest()
    {
        lock (_gate)
        {
            _activeRequests--;
            _lastActivity = _clock.GetUtcNow();
        }
    }

    private sealed class Activity(RegisteredSession session) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                session.EndRequest();
            }
        }
    }
}
