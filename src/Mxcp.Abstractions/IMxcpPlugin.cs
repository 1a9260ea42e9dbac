using Microsoft.Extensions.DependencyInjection;

namespace Mxcp.Abstractions;

/// <summary>
/// The entry point of an Mxcp plugin assembly. A plugin is either referenced directly by a host
/// (<c>services.AddMxcp().AddPlugin&lt;T&gt;()</c>) or loaded from <c>plugins/&lt;Name&gt;/</c> in its own load context,
/// sharing only this assembly and the framework with the host.
/// </summary>
public interface IMxcpPlugin
{
    /// <summary>The plugin name, shown in logs and diagnostics.</summary>
    string Name { get; }

    /// <summary>
    /// Registers the plugin's services: <see cref="IEndpointExecutorProvider"/>, <see cref="ISecretProvider"/>, ...
    /// Implementations of those interfaces that the plugin assembly exports are also found by scanning.
    /// </summary>
    /// <param name="services">The host's service collection.</param>
    void ConfigureServices(IServiceCollection services);
}
