using Mxcp.Abstractions;
using Mxcp.Plugins.Upstream;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the upstream plugin on an Mxcp builder.</summary>
public static class UpstreamMxcpBuilderExtensions
{
    /// <summary>
    /// Serves the tools of the upstream MCP servers declared under <c>upstreams</c> in <c>mxcp-site.yml</c>:
    /// <c>services.AddMxcp().AddUpstreams()</c>. Without it, an <c>upstreams</c> section is an error. Calling it more
    /// than once registers it once.
    /// </summary>
    /// <param name="builder">The Mxcp builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IMxcpBuilder AddUpstreams(this IMxcpBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        UpstreamPlugin.AddServices(builder.Services);
        return builder;
    }
}
