using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
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
            headers[LowerName(name)] = values.ToString();
        }

        return headers;
    }

    /// <summary>The header's name in lower case; the common names' lower-case forms are kept rather than made per request.</summary>
    private static string LowerName(string name) => CommonNames.TryGetValue(name, out var lower) ? lower : name.ToLowerInvariant();

    private static readonly FrozenDictionary<string, string> CommonNames = new[]
    {
        HeaderNames.Accept, HeaderNames.AcceptEncoding, HeaderNames.AcceptLanguage, HeaderNames.Authorization, HeaderNames.CacheControl,
        HeaderNames.Connection, HeaderNames.ContentLength, HeaderNames.ContentType, HeaderNames.Cookie, HeaderNames.Host,
        "Last-Event-ID", HeaderNames.Origin, HeaderNames.Referer, HeaderNames.TraceParent, HeaderNames.TraceState,
        HeaderNames.UserAgent, "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
        "Mcp-Protocol-Version", "Mcp-Session-Id", "Mcp-Method", "Mcp-Name",
    }.ToFrozenDictionary(name => name, name => name.ToLowerInvariant(), StringComparer.OrdinalIgnoreCase);
}
