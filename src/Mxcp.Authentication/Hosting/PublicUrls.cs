using Microsoft.AspNetCore.Http;

namespace Mxcp.Authentication.Hosting;

/// <summary>
/// The server's public URLs, as in MXCP: <see cref="MxcpAuthenticationOptions.BaseUrl"/> or <c>transport.http.base_url</c>
/// when set; otherwise the request's host with the scheme <c>https</c> when configured, else the one of
/// <c>X-Forwarded-Proto</c> / <c>X-Forwarded-Scheme</c> when <c>trust_proxy</c> is on, else the request's.
/// </summary>
internal static class PublicUrls
{
    public const string ResourceMetadataPath = "/.well-known/oauth-protected-resource";

    public static string Base(HttpContext context, MxcpAuthenticationState state)
    {
        if (state.BaseUrl is { } configured)
        {
            return configured;
        }

        var settings = state.Settings;
        var scheme = settings?.Scheme
            ?? (settings?.TrustProxy == true ? Forwarded(context.Request.Headers["X-Forwarded-Proto"].ToString().Split(',')[0]) ?? Forwarded(context.Request.Headers["X-Forwarded-Scheme"].ToString()) : null)
            ?? context.Request.Scheme;
        var host = context.Request.Host.HasValue ? context.Request.Host.ToUriComponent() : "localhost";
        return $"{scheme}://{host}{context.Request.PathBase}";
    }

    /// <summary>The RFC 9728 metadata URL of the resource at the request's path (what the MCP SDK's handler serves).</summary>
    public static string ResourceMetadata(HttpContext context, MxcpAuthenticationState state) =>
        Base(context, state) + ResourceMetadataPath + context.Request.Path.ToUriComponent();

    private static string? Forwarded(string value)
    {
        var scheme = value.Trim().ToLowerInvariant();
        return scheme is "http" or "https" ? scheme : null;
    }
}
