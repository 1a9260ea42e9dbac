using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Admin.UnixSocket;

namespace Mxcp.Admin;

/// <summary>Adds the admin Unix socket to an Mxcp host.</summary>
public static class MxcpAdminBuilderExtensions
{
    /// <summary>
    /// Serves the admin API on a Unix socket (<see cref="MxcpAdminOptions.SocketPath"/>, by default
    /// <c>MXCP_ADMIN_SOCKET</c> or <c>/run/mxcp/mxcp.sock</c>) once the project is loaded. Start-up fails when another
    /// server listens on that socket.
    /// </summary>
    /// <param name="builder">The Mxcp builder.</param>
    /// <param name="configure">Sets the socket path and other options.</param>
    /// <returns>The builder.</returns>
    public static IMxcpBuilder AddAdminSocket(this IMxcpBuilder builder, Action<MxcpAdminOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new MxcpAdminOptions();
        configure?.Invoke(options);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AdminSocketHostedService>(sp =>
            new AdminSocketHostedService(sp, options, sp.GetRequiredService<ILogger<AdminSocketHostedService>>())));
        return builder;
    }
}
