namespace Mxcp.AspNetCore;

/// <summary>
/// Options of the MCP endpoints that <c>MapMxcp</c> maps, configured with
/// <c>services.Configure&lt;MxcpHttpOptions&gt;(...)</c> and checked when the host starts. One set per application:
/// every <c>MapMxcp</c> call serves the same server and sessions.
/// </summary>
public sealed class MxcpHttpOptions
{
    /// <summary>Session handling; <see cref="MxcpSessionMode.Hybrid"/> by default.</summary>
    public MxcpSessionMode SessionMode { get; set; } = MxcpSessionMode.Hybrid;

    /// <summary>Also map the legacy HTTP+SSE transport (<c>GET {pattern}/sse</c> and <c>POST {pattern}/messages/</c>).</summary>
    public bool EnableLegacySse { get; set; }

    /// <summary>Map only the legacy HTTP+SSE transport (what <c>mxcp serve --transport sse</c> does).</summary>
    public bool LegacySseOnly { get; set; }

    /// <summary>
    /// Let clients resume an interrupted Streamable HTTP response or GET stream with <c>Last-Event-ID</c> (sessions
    /// only). The MCP SDK's event store keeps the events: an <c>ISseEventStreamStore</c> registered by the host (for
    /// example <c>AddMcpServer().WithDistributedCacheEventStreamStore()</c> over a cache that several instances share),
    /// otherwise one in this process's memory (at most 64 MiB of events, each kept 30 minutes after its last read).
    /// Off by default.
    /// </summary>
    public bool EnableResumability { get; set; }

    /// <summary>Sessions without activity for this long are closed. Default 2 hours.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromHours(2);

    /// <summary>At most this many idle sessions are kept; the oldest are closed first. Default 10,000.</summary>
    public int MaxIdleSessionCount { get; set; } = 10_000;

    /// <summary>The largest request body accepted, in bytes (413 above it). Default 4 MiB.</summary>
    public long MaxRequestBodySize { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// How many MCP POSTs may run at once; more are refused with 429. A request counts from the moment its body has
    /// arrived until it is answered, so clients that send their bodies slowly hold no slot. Default 512.
    /// </summary>
    public int MaxConcurrentRequests { get; set; } = 512;

    /// <summary>
    /// How many of those one client may run at once; more are refused with 429, so that one client cannot take every
    /// slot. A client is the authenticated user when there is one, otherwise the remote IP address (behind a reverse
    /// proxy that is the proxy's address, unless the app applies the forwarded headers first, for example with
    /// <c>UseForwardedHeaders()</c>; raise this limit otherwise). Default 64.
    /// </summary>
    public int MaxConcurrentRequestsPerClient { get; set; } = 64;

    /// <summary>
    /// How long a request body may take to arrive in full; a slower one gets 408 and its connection is closed. This
    /// bounds clients that send their bodies slowly (Kestrel's <c>MinRequestBodyDataRate</c> only bounds the average
    /// rate). <see cref="Timeout.InfiniteTimeSpan"/> turns it off. Default 30 seconds.
    /// </summary>
    public TimeSpan RequestBodyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Host names accepted in the <c>Host</c> and <c>Origin</c> headers, against DNS rebinding. When <see langword="null"/>
    /// (the default), requests that arrive on a loopback address must name a loopback host (<c>localhost</c>,
    /// <c>127.0.0.1</c>, <c>[::1]</c>); other requests are not restricted. A list restricts every request to the names
    /// in it (a server behind a reverse proxy on the same machine lists the public name the proxy passes on, and
    /// <c>localhost</c> if local clients call it directly); <c>*</c> allows any.
    /// </summary>
    public IList<string>? AllowedHosts { get; set; }

    /// <summary>
    /// Whether tool calls of SQL tools and tool listings are answered without the SDK's server
    /// (<see cref="Http.DirectToolCalls"/>); turned off by the tests that compare both answers.
    /// </summary>
    internal bool DirectToolCalls { get; set; } = true;

    /// <summary>Clock for idle handling; replaced by the tests only.</summary>
    internal TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
