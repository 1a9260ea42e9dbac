using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mxcp.Abstractions;

namespace Mxcp.Admin.Tcp;

/// <summary>Where <c>mxcp serve --admin-port</c> serves the admin API, and with which token.</summary>
/// <param name="Address">The address to bind; loopback unless the operator asks otherwise.</param>
/// <param name="Port">The port; 0 picks a free one.</param>
/// <param name="Token">The token <c>MapMxcpAdmin</c> requires (a value or a <c>${VAR}</c> reference); without one it answers loopback clients only.</param>
internal sealed record AdminTcpSettings(IPAddress Address, int Port, string? Token);

/// <summary>
/// The admin API on a TCP port of its own, mounted with <c>MapMxcpAdmin</c> (so the same token rules apply as in any
/// ASP.NET Core app) on its own small Kestrel server: it never shares request limits or the drain gate with MCP
/// traffic, and works for every transport (stdio included).
/// </summary>
internal sealed partial class AdminTcpHostedService(
    AdminApi api,
    AdminTcpSettings settings,
    IOptions<MxcpAdminOptions> adminOptions,
    IEnumerable<IValidateOptions<MxcpAdminOptions>> validators,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The address it listens on, once started (e.g. <c>http://127.0.0.1:43817</c>).</summary>
    public string? Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "mxcp-admin" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(settings.Address, settings.Port);
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddSingleton(api);
        var main = adminOptions.Value;
        builder.Services.AddOptions<MxcpAdminOptions>().Configure(o =>
        {
            o.Transport = main.Transport;
            o.Debug = main.Debug;
            o.SocketPath = main.SocketPath;
        });
        foreach (var validator in validators)
        {
            builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton(validator));
        }

        var app = builder.Build();
        app.MapMxcpAdmin("/", o => o.Token = settings.Token);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _app = app;
        Address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        LogListening(loggerFactory.CreateLogger<AdminTcpHostedService>(), Address ?? "?", settings.Token is null ? "no token: loopback clients only" : "token required");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    [LoggerMessage(Level = LogLevel.Information, Message = "Admin API listening on {Address} ({Protection}); console at /ui/")]
    private static partial void LogListening(ILogger logger, string address, string protection);
}

/// <summary>Registers <see cref="AdminTcpHostedService"/> (used by <c>mxcp serve --admin-port</c>).</summary>
internal static class AdminTcp
{
    public static IMxcpBuilder AddAdminTcp(this IMxcpBuilder builder, AdminTcpSettings settings, Action<MxcpAdminOptions>? configure = null)
    {
        builder.AddAdmin(configure);
        builder.Services.AddSingleton(settings);
        builder.Services.TryAddSingleton<AdminTcpHostedService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AdminTcpHostedService>());
        return builder;
    }
}
