namespace Mxcp.Runtime.Mcp;

/// <summary>
/// What the hosting transport knows about the request that carries the MCP message being handled (for example the HTTP
/// request of a Streamable HTTP POST). Transports that handle messages off their request put the same facts into the
/// message context's items instead (<see cref="McpCallContextFactory.RequestHeadersKey"/>).
/// </summary>
internal interface ITransportRequestAccessor
{
    /// <summary>The request being served on this execution flow, or <see langword="null"/> (stdio, no request).</summary>
    TransportRequest? Current { get; }
}

/// <summary>A transport request: the transport's name and the request headers (lower-case names).</summary>
internal sealed record TransportRequest(string Transport, IReadOnlyDictionary<string, string> Headers);

/// <summary>The accessor of hosts without request-based transports (stdio): there is never a request.</summary>
internal sealed class NoTransportRequest : ITransportRequestAccessor
{
    public TransportRequest? Current => null;
}
