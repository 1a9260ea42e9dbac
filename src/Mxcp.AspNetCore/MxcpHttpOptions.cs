namespace Mxcp.AspNetCore;

/// <summary>Options of an MCP endpoint mapped with <c>MapMxcp</c>.</summary>
public sealed class MxcpHttpOptions
{
    /// <summary>Session handling; <see cref="MxcpSessionMode.Hybrid"/> by default.</summary>
    public MxcpSessionMode SessionMode { get; set; } = MxcpSessionMode.Hybrid;

    /// <summary>Also map the legacy HTTP+SSE transport (<c>GET {pattern}/sse</c> and <c>POST {pattern}/messages/</c>).</summary>
    public bool EnableLegacySse { get; set; }

    /// <summary>Map only the legacy HTTP+SSE transport (what <c>mxcp serve --transport sse</c> does).</summary>
    public bool LegacySseOnly { get; set; }

    /// <summary>Sessions without activity for this long are closed. Default 2 hours.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromHours(2);

    /// <summary>At most this many idle sessions are kept; the oldest are closed first. Default 10,000.</summary>
    public int MaxIdleSessionCount { get; set; } = 10_000;

    /// <summary>The largest request body accepted, in bytes (413 above it). Default 4 MiB.</summary>
    public long MaxRequestBodySize { get; set; } = 4 * 1024 * 1024;

    /// <summary>How many MCP POSTs may run at once; more are refused with 429. Default 512.</summary>
    public int MaxConcurrentRequests { get; set; } = 512;

    /// <summary>
    /// Host names accepted in the <c>Host</c> and <c>Origin</c> headers, against DNS rebinding. When <see langword="null"/>
    /// (the default), requests that arrive on a loopback address must name a loopback host (<c>localhost</c>,
    /// <c>127.0.0.1</c>, <c>[::1]</c>); other requests are not restricted. A list restricts every request; <c>*</c> allows any.
    /// </summary>
    public IList<string>? AllowedHosts { get; set; }

    /// <summary>Clock for idle handling (tests).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
