namespace Mxcp.Admin;

/// <summary>Options of the admin API.</summary>
public sealed class MxcpAdminOptions
{
    /// <summary>
    /// The token required on HTTP mounts, sent as <c>Authorization: Bearer …</c> or <c>X-API-Key: …</c>. May be a
    /// reference such as <c>${MXCP_ADMIN_TOKEN}</c>, resolved from the environment when the API is mapped. Not used on
    /// the Unix socket (its file permissions protect it).
    /// </summary>
    public string? Token { get; set; }

    /// <summary>
    /// Without a token, require this authorization policy of the host (<see langword="null"/> and
    /// <see cref="UseHostAuthorization"/> set: the host's default policy).
    /// </summary>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>Without a token, protect the API with the host's authorization (its default policy, or <see cref="AuthorizationPolicy"/>).</summary>
    public bool UseHostAuthorization { get; set; }

    /// <summary>
    /// Serve an unprotected HTTP mount to non-loopback clients. Off by default: without a token or host authorization,
    /// only requests that arrive on a loopback address from a loopback client are answered.
    /// </summary>
    public bool AllowUnauthenticatedRemoteAccess { get; set; }

    /// <summary>The Unix socket of <c>AddAdminSocket()</c>; <c>MXCP_ADMIN_SOCKET</c> or <c>/run/mxcp/mxcp.sock</c> by default.</summary>
    public string SocketPath { get; set; } = Environment.GetEnvironmentVariable("MXCP_ADMIN_SOCKET") is { Length: > 0 } path ? path : "/run/mxcp/mxcp.sock";

    /// <summary>Include exception details in error responses (<c>detail</c>).</summary>
    public bool Debug { get; set; }

    /// <summary>The transport the MCP server uses, shown by <c>/config</c>; set by <c>mxcp serve</c>.</summary>
    internal string Transport { get; set; } = "streamable-http";
}
