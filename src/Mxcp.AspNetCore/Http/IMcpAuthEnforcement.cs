namespace Mxcp.AspNetCore.Http;

/// <summary>
/// Lets the package that authenticates the MCP endpoint (Mxcp's own authentication) say whether it enforces the
/// profile's <c>auth</c>. It settles that when the host starts and keeps it until a restart, so a reload that adds
/// <c>auth</c> to a server started without it leaves nothing to enforce it: <see cref="McpRequestGuard"/> then refuses
/// MCP requests instead of serving them unprotected.
/// </summary>
internal interface IMcpAuthEnforcement
{
    /// <summary>Whether authentication runs on the endpoint's requests; <see langword="false"/> when started without auth.</summary>
    bool Enforces { get; }
}
