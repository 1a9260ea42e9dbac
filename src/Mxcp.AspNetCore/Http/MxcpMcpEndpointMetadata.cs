namespace Mxcp.AspNetCore.Http;

/// <summary>Marks the endpoints that <c>MapMxcp</c> maps (the admin API finds the Streamable HTTP DELETE through it).</summary>
internal sealed class MxcpMcpEndpointMetadata
{
    public static readonly MxcpMcpEndpointMetadata Instance = new();
}

/// <summary>
/// Marks a request that Mxcp makes to its own endpoint in process (the admin API ending a session with the protocol's
/// DELETE): it has no client, so the client-facing guards do not apply.
/// </summary>
internal sealed class InProcessRequestFeature
{
    public static readonly InProcessRequestFeature Instance = new();
}

/// <summary>
/// Marks the legacy SSE transport's message POST: its answers leave on the GET stream, not on the POST's response, so
/// large results are not spliced into the POST's body.
/// </summary>
internal sealed class LegacySseMessagesMetadata
{
    public static readonly LegacySseMessagesMetadata Instance = new();
}
