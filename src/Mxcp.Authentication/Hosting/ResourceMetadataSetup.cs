using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore.Authentication;
using ModelContextProtocol.Authentication;

namespace Mxcp.Authentication.Hosting;

/// <summary>
/// The protected-resource metadata (RFC 9728) that the MCP SDK's handler serves at
/// <c>/.well-known/oauth-protected-resource{path}</c>: the resource at the public URL, the authorization server that
/// issues its tokens (Mxcp itself in issuer mode, the OpenID issuer in verifier mode), the required scopes.
/// </summary>
internal sealed class ResourceMetadataSetup(MxcpAuthenticationState state) : IConfigureNamedOptions<McpAuthenticationOptions>
{
    public const string Scheme = "Mxcp.ResourceMetadata";

    public void Configure(string? name, McpAuthenticationOptions options)
    {
        if (name != Scheme)
        {
            return;
        }

        options.Events.OnResourceMetadataRequest = context =>
        {
            if (state.Settings is not { } settings || state.Validator is null)
            {
                context.SkipHandler();
                return Task.CompletedTask;
            }

            var baseUrl = PublicUrls.Base(context.HttpContext, state);
            var path = context.HttpContext.Request.Path.Value ?? "";
            var suffix = path.Length > PublicUrls.ResourceMetadataPath.Length ? path[PublicUrls.ResourceMetadataPath.Length..].TrimEnd('/') : "";
            context.ResourceMetadata = new ProtectedResourceMetadata
            {
                Resource = baseUrl + suffix,
                AuthorizationServers = [settings.IsVerifier ? state.ExternalIssuer! : baseUrl],
                ScopesSupported = [.. settings.RequiredScopes],
                BearerMethodsSupported = ["header"],
            };
            return Task.CompletedTask;
        };
    }

    public void Configure(McpAuthenticationOptions options) => Configure(Options.DefaultName, options);
}
