using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;
using Mxcp.Abstractions;
using Mxcp.Runtime;
using Mxcp.Runtime.Audit;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Hosting;
using Mxcp.Runtime.Mcp;
using Mxcp.Runtime.Mcp.Sessions;
using Mxcp.Runtime.Plugins;
using Mxcp.Runtime.Reload;
using Mxcp.Runtime.Telemetry;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers Mxcp in any host's service collection. ASP.NET Core apps call <c>AddMxcp()</c> of the Mxcp.AspNetCore
/// package, which adds these services and the HTTP transport; hosts without ASP.NET Core (stdio, tools, tests) call
/// <see cref="AddMxcpCore"/>.
/// </summary>
public static class MxcpCoreServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Mxcp runtime without any transport: project loading, the endpoint pipeline, and the project's tools,
    /// resources and prompts in the host's MCP server (next to the host's own, see <c>AddMcpServer()</c>). The project
    /// is loaded when the host starts; start-up fails with a clear message when an option, the project or an endpoint
    /// file is invalid (unless <see cref="MxcpOptions.IgnoreErrors"/>). Add plugins and transports with the returned
    /// builder (<see cref="AddStdioServer"/>).
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Sets <see cref="MxcpOptions"/>.</param>
    /// <returns>A builder for plugins and transports.</returns>
    public static IMxcpBuilder AddMxcpCore(this IServiceCollection services, Action<MxcpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<MxcpOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MxcpOptions>, MxcpOptionsValidator>());
        // Secrets and sensitive argument values are scrubbed from every log line of the host (see ScrubbingLoggerFactory).
        if (!services.Any(d => d.ServiceType == typeof(SensitiveTextRegistry)))
        {
            services.AddSingleton<SensitiveTextRegistry>();
            services.TryDecorate<ILoggerFactory>((inner, sp) => new ScrubbingLoggerFactory(inner, sp.GetRequiredService<SensitiveTextRegistry>()));
        }

        services.TryAddSingleton<ProjectConfigurationLoader>();
        services.TryAddSingleton<IPolicyReader, Mxcp.Runtime.Policies.PolicyReader>();
        services.TryAddSingleton<ProjectSnapshotBuilder>();
        services.TryAddSingleton<ProjectSnapshotProvider>();
        services.TryAddSingleton<IProjectReloader>(sp => sp.GetRequiredService<ProjectSnapshotProvider>());
        services.TryAddSingleton<EndpointPipeline>();
        services.TryAddSingleton<InFlightCalls>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CallDrainHostedService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ManagedMemoryTrimmer>());
        services.TryAddSingleton<MxcpMeter>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEndpointCallObserver, EndpointMetrics>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEndpointCallObserver, AccessLog>());
        services.TryAddSingleton<TelemetryStatus>();
        services.TryAddSingleton<EndpointInvoker>();
        services.TryAddSingleton<EndpointAvailability>();
        services.TryAddSingleton<ITransportRequestAccessor, NoTransportRequest>();
        services.TryAddSingleton<McpSessionRegistry>();

        // The MCP server: the SDK's own registrations (the host's tools, resources and prompts), then the project's.
        services.AddMcpServer();
        services.TryAddSingleton<McpPrimitiveSynchronizer>();
        services.TryAddSingleton<EndpointCompletions>();
        services.TryAddSingleton<ResourceSubscriptions>();
        services.TryAddSingleton<McpRequestChecks>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<McpServerOptions>, MxcpMcpServerOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProjectSnapshotValidator, McpPrimitiveSynchronizer>(sp => sp.GetRequiredService<McpPrimitiveSynchronizer>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProjectSnapshotListener, McpPrimitiveSynchronizer>(sp => sp.GetRequiredService<McpPrimitiveSynchronizer>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProjectSnapshotListener, ResourceSubscriptions>(sp => sp.GetRequiredService<ResourceSubscriptions>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMcpSessionListener, ResourceSubscriptions>(sp => sp.GetRequiredService<ResourceSubscriptions>()));

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ProjectLoaderHostedService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ReloadTriggersHostedService>());

        // Audit: the observer queues records, the writer stores them, the hosted service opens and closes the backend
        // (registered after the project loader, so it starts once the project is loaded).
        services.TryAddSingleton<AuditWriter>();
        services.TryAddSingleton<AuditLog>();
        services.TryAddSingleton<IAuditStore>(sp => sp.GetRequiredService<AuditLog>());
        services.TryAddSingleton<AuditBackendFactory>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEndpointCallObserver, AuditCallObserver>());
        services.TryAddSingleton<AuditHostedService>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditHostedService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProjectSnapshotListener, AuditHostedService>(sp => sp.GetRequiredService<AuditHostedService>()));
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

    /// <summary>
    /// Serves the project over MCP stdio (stdout carries only protocol; logs go to stderr). The session is listed by
    /// the admin API; the host stops when the client closes stdin.
    /// </summary>
    /// <param name="builder">The Mxcp builder.</param>
    /// <returns>The builder.</returns>
    public static IMxcpBuilder AddStdioServer(this IMxcpBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StdioServerHostedService>());
        return builder;
    }
}
