using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;
using Mxcp.Abstractions;
using Mxcp.AspNetCore;
using Mxcp.AspNetCore.Http;
using Mxcp.Runtime;
using Mxcp.Runtime.Mcp;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Mxcp in an ASP.NET Core app.</summary>
public static class MxcpServiceCollectionExtensions
{
    /// <summary>
    /// Adds Mxcp to an ASP.NET Core app: the runtime (<see cref="MxcpCoreServiceCollectionExtensions.AddMxcpCore"/>:
    /// the project, its pipeline, its tools, resources and prompts next to the host's own MCP primitives) and the MCP
    /// SDK's Streamable HTTP transport that <c>app.MapMxcp()</c> serves, with the options in
    /// <see cref="MxcpHttpOptions"/> (<c>services.Configure&lt;MxcpHttpOptions&gt;(...)</c>). Options are checked when
    /// the host starts. Add plugins with the returned builder (<c>.AddDuckDb()</c>, <c>.AddPython()</c>).
    /// </summary>
    /// <param name="services">The app's services.</param>
    /// <param name="configure">Sets <see cref="MxcpOptions"/>.</param>
    /// <returns>A builder for plugins and transports.</returns>
    public static IMxcpBuilder AddMxcp(this IServiceCollection services, Action<MxcpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddMxcpCore(configure);
        services.AddMcpServer().WithHttpTransport();
        services.AddHttpContextAccessor();
        services.Replace(ServiceDescriptor.Singleton<ITransportRequestAccessor, HttpTransportRequestAccessor>());
        services.TryAddSingleton<IResultSplicer, HttpResultSplicer>();

        services.AddOptions<MxcpHttpOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MxcpHttpOptions>, MxcpHttpOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HttpServerTransportOptions>, MxcpHttpTransportSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<HttpServerTransportOptions>, MxcpHttpTransportSetup>());
        services.TryAddSingleton<StreamableHttpSessionTracker>();
        services.TryAddSingleton<McpRequestGuard>();
        services.TryAddSingleton<DirectToolCalls>();
        services.TryAddSingleton<McpRequestCancellation>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<McpServerOptions>, MxcpHttpServerOptionsSetup>());
        services.TryAddSingleton<LegacySseHandler>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, McpHttpDrainService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, McpProtocolWarmup>());
        return builder;
    }
}
