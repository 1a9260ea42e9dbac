using System.Security.Claims;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Mxcp.AspNetCore.Http;

/// <summary>
/// One stateful MCP session: its transport, its running server, a reference count of the requests using it, and the
/// facts the admin API shows (creation, last activity, user, client).
/// </summary>
internal sealed class HttpMcpSession : IAsyncDisposable
{
    private readonly CancellationTokenSource _closed = new();
    private readonly Lock _gate = new();
    private int _references;
    private int _getStreamOpen;
    private int _disposed;

    public HttpMcpSession(string id, string transport, ITransport mcpTransport, UserIdClaim? user, TimeProvider clock)
    {
        Id = id;
        Transport = transport;
        McpTransport = mcpTransport;
        User = user;
        Clock = clock;
        CreatedAt = clock.GetUtcNow();
        LastActivity = CreatedAt;
    }

    public string Id { get; }

    /// <summary><c>streamable-http</c> or <c>sse</c>.</summary>
    public string Transport { get; }

    public ITransport McpTransport { get; }

    public McpServer? Server { get; set; }

    public Task? RunTask { get; set; }

    public UserIdClaim? User { get; }

    public TimeProvider Clock { get; }

    public DateTimeOffset CreatedAt { get; }

    public DateTimeOffset LastActivity { get; private set; }

    public CancellationToken Closed => _closed.Token;

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Requests in progress (a long-lived GET stream counts), so the session is not idle.</summary>
    public bool IsActive
    {
        get
        {
            lock (_gate)
            {
                return _references > 0;
            }
        }
    }

    public Implementation? ClientInfo => Server?.ClientInfo;

    public string? ProtocolVersion => Server?.NegotiatedProtocolVersion;

    public SessionReference Acquire()
    {
        lock (_gate)
        {
            _references++;
            LastActivity = Clock.GetUtcNow();
        }

        return new SessionReference(this);
    }

    public bool TryOpenGetStream() => Interlocked.Exchange(ref _getStreamOpen, 1) == 0;

    public void CloseGetStream() => Volatile.Write(ref _getStreamOpen, 0);

    private void Release()
    {
        lock (_gate)
        {
            _references--;
            LastActivity = Clock.GetUtcNow();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Completing the transport ends RunAsync gracefully; cancelling covers a server that is stuck.
        await McpTransport.DisposeAsync().ConfigureAwait(false);
        await _closed.CancelAsync().ConfigureAwait(false);
        if (RunTask is { } run)
        {
            try
            {
                await run.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        if (Server is { } server)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }

        _closed.Dispose();
    }

    /// <summary>A request's hold on the session.</summary>
    public readonly struct SessionReference(HttpMcpSession session) : IDisposable
    {
        public void Dispose() => session.Release();
    }
}

/// <summary>The claim that binds a session to the user who created it; later requests must present the same one.</summary>
internal sealed record UserIdClaim(string Type, string Value, string Issuer)
{
    public static UserIdClaim? From(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        var claim = user.FindFirst(ClaimTypes.NameIdentifier) ?? user.FindFirst("sub") ?? user.FindFirst(ClaimTypes.Upn);
        return claim is null ? null : new UserIdClaim(claim.Type, claim.Value, claim.Issuer);
    }
}
