using Microsoft.AspNetCore.Http;
using Mxcp.Runtime.Mcp;

namespace Mxcp.AspNetCore.Http;

/// <summary>
/// The HTTP request that carries the MCP message being handled: the SDK runs each message's handler on the execution
/// flow of its POST, so <see cref="IHttpContextAccessor"/> sees that request. Its headers reach policies, SQL functions
/// and audit records as the call's request headers.
/// </summary>
internal sealed class HttpTransportRequestAccessor(IHttpContextAccessor accessor) : ITransportRequestAccessor
{
    public const string TransportName = "streamable-http";

    public TransportRequest? Current => accessor.HttpContext is { } context ? new TransportRequest(TransportName, Headers(context.Request)) : null;

    public static IReadOnlyDictionary<string, string> Headers(HttpRequest request)
    {
        var headers = new Dictionary<string, string>(request.Headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers)
        {
            headers[name.ToLowerInvariant()] = values.ToString();
        }

        return headers;
    }
}
