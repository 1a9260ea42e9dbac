using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Plugins;

/// <summary>Registers a plugin's services: what its <see cref="IMxcpPlugin.ConfigureServices"/> adds, plus what Scrutor finds in its assembly.</summary>
internal static class PluginRegistration
{
    private static readonly Type[] ScannedContracts = [typeof(IEndpointExecutorProvider), typeof(ISecretProvider), typeof(IAuditBackendProvider)];

    public static void Register(IServiceCollection services, IMxcpPlugin plugin, Assembly assembly)
    {
        plugin.ConfigureServices(services);

        // Scrutor finds the contract implementations the plugin exports; TryAddEnumerable keeps one registration per implementation.
        var scanned = new ServiceCollection();
        scanned.Scan(scan => scan
            .FromAssemblies(assembly)
            .AddClasses(classes => classes.AssignableToAny(ScannedContracts), publicOnly: false)
            .As(type => type.GetInterfaces().Where(i => ScannedContracts.Contains(i)))
            .WithSingletonLifetime());
        foreach (var descriptor in scanned)
        {
            if (descriptor.ImplementationType is { } impl && impl.GetConstructors().Length > 0)
            {
                services.TryAddEnumerable(descriptor);
            }
        }

        services.AddSingleton(new RegisteredPlugin(plugin.Name, assembly.GetName().Version?.ToString() ?? "0.0.0", assembly.Location));
    }
}

/// <summary>A plugin known to the host: its name, assembly version and file, registered as a singleton for diagnostics.</summary>
internal sealed record RegisteredPlugin(string Name, string Version, string Location);
