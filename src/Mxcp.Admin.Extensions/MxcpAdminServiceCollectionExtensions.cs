using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Mxcp.Abstractions;
using Mxcp.Admin;
using ModelContextProtocol.Server;
using Mxcp.Admin.Deployment;
using Mxcp.Admin.Search;
using Mxcp.Admin.Monitoring;
using Mxcp.Runtime.Telemetry;
using Mxcp.Admin.UnixSocket;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Mcp.Sessions;
using Mxcp.Runtime.Reload;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Mxcp admin API to an Mxcp host.</summary>
public static class MxcpAdminServiceCollectionExtensions
{
    /// <summary>
    /// Adds the services of the admin API (statistics, events, metrics, sessions) that <c>app.MapMxcpAdmin()</c> and
    /// <see cref="AddAdminSocket"/> serve. <see cref="MxcpAdminOptions"/> are checked when the host starts. Calling it
    /// more than once adds the services once and applies every <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The Mxcp builder.</param>
    /// <param name="configure">Sets <see cref="MxcpAdminOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IMxcpBuilder AddAdmin(this IMxcpBuilder builder, Action<MxcpAdminOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<MxcpAdminOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MxcpAdminOptions>, MxcpAdminOptionsValidator>());
        services.TryAddSingleton<AdminApi>();
        services.TryAddSingleton<PrometheusExporter>();
        services.TryAddSingleton<ConfigDeployment>();
        services.TryAddSingleton<EndpointStatistics>();
        services.TryAddSingleton<AdminEventStream>();
        services.TryAddSingleton<IAdminEventPublisher>(sp => sp.GetRequiredService<AdminEventStream>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEndpointCallObserver, EndpointStatistics>(sp => sp.GetRequiredService<EndpointStatistics>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEndpointCallObserver, AdminEventStream>(sp => sp.GetRequiredService<AdminEventStream>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProjectSnapshotListener, AdminEventStream>(sp => sp.GetRequiredService<AdminEventStream>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMcpSessionListener, AdminEventStream>(sp => sp.GetRequiredService<AdminEventStream>()));
        return builder;
    }

    /// <summary>
    /// Serves the admin API on a Unix socket (<see cref="MxcpAdminOptions.SocketPath"/>, by default
    /// <c>MXCP_ADMIN_SOCKET</c> or <c>/run/mxcp/mxcp.sock</c>) once the project is loaded, and adds the admin services
    /// (<see cref="AddAdmin"/>). Start-up fails when another server listens on that socket.
    /// </summary>
    /// <param name="builder">The Mxcp builder.</param>
    /// <param name="configure">Sets the socket path and other options.</param>
    /// <returns>The builder.</returns>
    public static IMxcpBuilder AddAdminSocket(this IMxcpBuilder builder, Action<MxcpAdminOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddAdmin(configure);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AdminSocketHostedService>());
        return builder;
    }

    /// <summary>
    /// Adds an MCP tool (<paramref name="toolName"/>, <c>search_tools</c> by default) that finds the project's tools for a
    /// task, ranked by BM25 over names, titles, tags, parameter names and descriptions, and returns each with its input
    /// schema: for clients that cannot usefully read hundreds of tools. Disabled tools are not found. A project tool of
    /// the same name is refused at load, naming both.
    /// </summary>
    /// <param name="builder">The Mxcp builder.</param>
    /// <param name="toolName">The tool's name.</param>
    /// <returns>The builder.</returns>
    public static IMxcpBuilder AddEndpointSearchTool(this IMxcpBuilder builder, string toolName = "search_tools")
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(toolName);
        builder.Services.AddSingleton<McpServerTool>(sp => new EndpointSearchTool(sp.GetRequiredService<ProjectSnapshotProvider>(), sp.GetRequiredService<Mxcp.Runtime.Endpoints.EndpointAvailability>(), toolName));
        return builder;
    }
}
