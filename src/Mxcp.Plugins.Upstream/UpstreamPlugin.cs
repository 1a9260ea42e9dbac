using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mxcp.Abstractions;
using Mxcp.Plugins.Upstream.Admin;
using Mxcp.Plugins.Upstream.Configuration;
using Mxcp.Plugins.Upstream.Supervision;

namespace Mxcp.Plugins.Upstream;

/// <summary>
/// The upstream plugin: serves the tools, prompts and resources of the MCP servers declared under <c>upstreams</c> in <c>mxcp-site.yml</c>
/// (reached over stdio or Streamable HTTP) as <c>&lt;prefix&gt;&lt;tool&gt;</c>, through Mxcp's pipeline (policies,
/// audit), with supervised connections, pinned tool definitions and admin API routes under <c>/upstreams</c>.
/// </summary>
public sealed class UpstreamPlugin : IMxcpPlugin
{
    /// <inheritdoc />
    public string Name => "Upstream";

    /// <inheritdoc />
    public void ConfigureServices(IServiceCollection services) => AddServices(services);

    internal static void AddServices(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<UpstreamHub>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISiteConfigSection, UpstreamsSection>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEndpointExecutorProvider, UpstreamExecutorProvider>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAdminApiContributor, UpstreamAdminApi>());
    }
}
