using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Mxcp.Abstractions;
using Mxcp.Admin;
using Mxcp.Admin.Monitoring;
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
        services.TryAddSingleton<EndpointStatistics>();
        services.TryAddSingleton<AdminEventStream>();
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
}
