using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Abstractions;
using Mxcp.Runtime.Audit;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Hosting;
using Mxcp.Runtime.Mcp;
using Mxcp.Runtime.Plugins;
using Mxcp.Runtime.Reload;

namespace Mxcp.Runtime;

/// <summary>Registers Mxcp in any host's service collection.</summary>
public static class MxcpServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Mxcp runtime: project loading, the endpoint pipeline and the MCP primitives of the project. The project is
    /// loaded when the host starts; start-up fails with a clear message when the project or an endpoint file is invalid
    /// (unless <see cref="MxcpOptions.IgnoreErrors"/>). Add plugins with the returned builder.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Sets <see cref="MxcpOptions"/>.</param>
    /// <returns>A builder for plugins and transports.</returns>
    public static IMxcpBuilder AddMxcp(this IServiceCollection services, Action<MxcpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<MxcpOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // Secrets and sensitive argument values are scrubbed from every log line of the host (see ScrubbingLoggerFactory).
        if (!services.Any(d => d.ServiceType == typeof(SensitiveTextRegistry)))
        {
            services.AddSingleton<SensitiveTextRegistry>();
            services.TryDecorate<ILoggerFactory>((inner, sp) => new ScrubbingLoggerFactory(inner, sp.GetRequiredService<SensitiveTextRegistry>()));
        }

        services.TryAddSingleton<ProjectConfigurationLoader>();
        services.TryAddSingleton<ProjectSnapshotBuilder>();
        services.TryAddSingleton<ProjectSnapshotProvider>();
        services.TryAddSingleton<IProjectReloader>(sp => sp.GetRequiredService<ProjectSnapshotProvider>());
        services.TryAddSingleton<EndpointPipeline>();
        services.TryAddSingleton<MxcpMeter>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEndpointCallObserver, EndpointMetrics>());
        services.TryAddSingleton<EndpointInvoker>();
        services.TryAddSingleton<EndpointAvailability>();
        services.TryAddSingleton<McpPrimitiveSynchronizer>();
        services.TryAddSingleton<EndpointCompletions>();
        services.TryAddSingleton<ResourceSubscriptions>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ProjectLoaderHostedService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ReloadTriggersHostedService>());

        // Audit: the observer queues records, the writer stores them, the hosted service opens and closes the backend
        // (registered after the project loader, so it starts once the project is loaded).
        services.TryAddSingleton<AuditWriter>();
        services.TryAddSingleton<AuditLog>();
        services.TryAddSingleton<IAuditStore>(sp => sp.GetRequiredService<AuditLog>());
        services.TryAddSingleton<AuditBackendFactory>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEndpointCallObserver, AuditCallObserver>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AuditHostedService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<McpServerOptions>, MxcpMcpServerOptionsSetup>());
        return new MxcpBuilder(services);
    }

    /// <summary>Adds a plugin referenced directly by the host (for example <c>new DuckDbPlugin()</c>).</summary>
    /// <param name="builder">The Mxcp builder.</param>
    /// <param name="plugin">The plugin.</param>
    /// <returns>The builder.</returns>
    public static IMxcpBuilder AddPlugin(this IMxcpBuilder builder, IMxcpPlugin plugin)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(plugin);
        PluginRegistration.Register(builder.Services, plugin, plugin.GetType().Assembly);
        return builder;
    }

    /// <summary>Adds a plugin type referenced directly by the host.</summary>
    /// <typeparam name="TPlugin">The plugin type.</typeparam>
    /// <param name="builder">The Mxcp builder.</param>
    /// <returns>The builder.</returns>
    public static IMxcpBuilder AddPlugin<TPlugin>(this IMxcpBuilder builder)
        where TPlugin : IMxcpPlugin, new() => builder.AddPlugin(new TPlugin());

    /// <summary>
    /// Loads every plugin under <paramref name="pluginsFolder"/> (one published plugin per sub-folder, e.g.
    /// <c>plugins/DuckDb/</c>), each in its own collectible load context that shares only the contracts with the host.
    /// </summary>
    /// <param name="builder">The Mxcp builder.</param>
    /// <param name="pluginsFolder">The folder; defaults to <c>plugins</c> next to the host executable.</param>
    /// <returns>The builder.</returns>
    public static IMxcpBuilder AddPluginsFromFolder(this IMxcpBuilder builder, string? pluginsFolder = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        pluginsFolder ??= Path.Combine(AppContext.BaseDirectory, "plugins");
        foreach (var loaded in PluginFolderLoader.LoadAll(pluginsFolder))
        {
            foreach (var plugin in loaded.Plugins)
            {
                PluginRegistration.Register(builder.Services, plugin, loaded.Assembly);
            }
        }

        return builder;
    }

    /// <summary>Serves the project over MCP stdio (stdout carries only protocol; logs go to stderr).</summary>
    /// <param name="builder">The Mxcp builder.</param>
    /// <returns>The builder.</returns>
    public static IMxcpBuilder AddStdioServer(this IMxcpBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<McpServerOptions>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StdioServerHostedService>());
        return builder;
    }

    internal static string Version { get; } =
        typeof(MxcpServiceCollectionExtensions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
