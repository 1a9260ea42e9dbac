namespace Mxcp.AspNetCore;

/// <summary>How the Streamable HTTP endpoint keeps MCP sessions.</summary>
public enum MxcpSessionMode
{
    /// <summary>
    /// Sessions for clients that <c>initialize</c> (protocol 2025-11-25 and earlier); 2026-07-28 clients are served
    /// statelessly. Sessions get <c>list_changed</c> notifications when the project reloads. The default.
    /// </summary>
    Hybrid,

    /// <summary>Every client that initializes gets a session; 2026-07-28 clients are asked to downgrade.</summary>
    Stateful,

    /// <summary>No sessions: every POST is served by a fresh server; no GET stream, no DELETE, no notifications.</summary>
    Stateless,
}
