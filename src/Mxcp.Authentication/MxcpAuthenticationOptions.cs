namespace Mxcp.Authentication;

/// <summary>
/// Options of <c>AddMxcp(...).AddAuthentication()</c>. What is enforced comes from the <c>auth</c> block of the project's
/// active profile (user configuration); these options only say how to reach the outside.
/// </summary>
public sealed class MxcpAuthenticationOptions
{
    /// <summary>
    /// The public URL of the server (scheme, host, port and path base, no trailing slash), as MCP clients and the
    /// identity provider's redirects reach it. Overrides <c>transport.http.base_url</c>; without either, the URL is
    /// taken from each request (its <c>Host</c> header and scheme).
    /// </summary>
    public string? BaseUrl { get; set; }

    /// <summary>
    /// The handler of Mxcp's requests to the identity provider (discovery, keys, token, userinfo, introspection), for
    /// example to go through a proxy; <see langword="null"/> uses a default one.
    /// </summary>
    public HttpMessageHandler? BackchannelHttpHandler { get; set; }

    /// <summary>How long Mxcp waits for the identity provider; 30 seconds by default.</summary>
    public TimeSpan BackchannelTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A profile without auth (provider <c>none</c>) serves anonymous callers instead of stopping start-up: what
    /// <c>mxcp serve</c> wants, which protects exactly the profiles that configure auth.
    /// </summary>
    internal bool AllowNoAuth { get; set; }
}
