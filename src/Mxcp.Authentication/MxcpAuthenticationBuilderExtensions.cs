using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore.Authentication;
using Mxcp.Abstractions;
using Mxcp.AspNetCore.Http;
using Mxcp.Authentication;
using Mxcp.Authentication.Bearer;
using Mxcp.Authentication.Hosting;
using Mxcp.Authentication.Issuer;
using Mxcp.Authentication.Verifier;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Mxcp's own authentication (MXCP's issuer and verifier modes) to an ASP.NET Core app.</summary>
public static class MxcpAuthenticationBuilderExtensions
{
    /// <summary>
    /// Protects the MCP endpoint of <c>MapMxcp()</c> as the <c>auth</c> block of the project's active profile says
    /// (user configuration, <c>projects.&lt;project&gt;.profiles.&lt;profile&gt;.auth</c>): in issuer mode Mxcp is the
    /// OAuth 2.1 authorization server of its MCP clients and signs users in at GitHub, Atlassian, Salesforce, Keycloak,
    /// Google or any OpenID Connect provider; in verifier mode it accepts the OpenID provider's own bearer tokens. The
    /// signed-in user becomes the calls' user (policies, SQL functions, Python, audit). The block is read when the host
    /// starts; start-up fails with a message naming what is missing when it cannot be enforced. The host's own
    /// authentication schemes keep working; this adds the <see cref="MxcpAuthenticationDefaults.AuthenticationScheme"/>
    /// scheme and, in issuer mode, the OAuth routes at the root of the route builder <c>MapMxcp()</c> is called on.
    /// </summary>
    /// <param name="builder">The Mxcp builder of <c>AddMxcp()</c> (package Mxcp.AspNetCore).</param>
    /// <param name="configure">Sets the public URL and the connection to the identity provider.</param>
    /// <returns>The builder.</returns>
    public static IMxcpBuilder AddAuthentication(this IMxcpBuilder builder, Action<MxcpAuthenticationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<MxcpAuthenticationOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(MxcpAuthenticationState)))
        {
            return builder;
        }

        if (!services.Any(d => d.ServiceType == typeof(McpRequestGuard)))
        {
            throw new InvalidOperationException("AddAuthentication() protects the MCP endpoint of Mxcp.AspNetCore: call builder.Services.AddMxcp(...) (not AddMxcpCore) first.");
        }

        services.AddSingleton<MxcpAuthenticationState>();
        services.AddSingleton<IMcpAuthEnforcement>(sp => sp.GetRequiredService<MxcpAuthenticationState>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<OAuthEndpointDataSource>();
        services.AddDataProtection();
        services.AddAuthorization();
        MxcpPolicyEvaluator.Register(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationHandler, RequiredScopesHandler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMxcpEndpointConventions, AuthEndpointConventions>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<JwtBearerOptions>, JwtBearerSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<McpAuthenticationOptions>, ResourceMetadataSetup>());
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, MxcpBearerHandler>(MxcpAuthenticationDefaults.AuthenticationScheme, "Mxcp bearer tokens", null)
            .AddJwtBearer(OidcTokenVerifier.JwtScheme, _ => { })
            .AddMcp(ResourceMetadataSetup.Scheme, "Mxcp protected resource metadata");

        // Started after the project loader (registered by AddMxcp), so the configuration is there.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AuthenticationStartup>());
        return builder;
    }
}
