using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mxcp.Admin.UnixSocket;

/// <summary>
/// Serves the admin API on a Unix domain socket, as the MXCP admin socket does: parent folders created, a stale socket
/// replaced, a live one refused, any other existing path (file, directory, symbolic link) refused and kept, mode 0600 (file permissions are the guard; no token), removed on exit. Its own small
/// Kestrel server, so that it never shares request limits or the drain gate with MCP traffic.
/// </summary>
internal sealed partial class AdminSocketHostedService(AdminApi api, IOptions<MxcpAdminOptions> adminOptions, ILogger<AdminSocketHostedService> logger) : IHostedService, IAsyncDisposable
{
    private readonly MxcpAdminOptions _options = adminOptions.Value;
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(_options.SocketPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        switch (SocketPathKind.Describe(path))
        {
            case null:
                break;
            case "a socket":
                if (await IsLiveAsync(path, cancellationToken).ConfigureAwait(false))
                {
                    throw new InvalidOperationException($"Another server is already listening on the admin socket {path}");
                }

                File.Delete(path);
                LogStaleSocketRemoved(logger, path);
                break;
            case var other:
                // Only a socket is ours to replace: a file, a directory or a link at this path stays as it is.
                throw new InvalidOperationException(
                    $"The admin socket path {path} is {other}, not a socket; remove it or choose another path (MXCP_ADMIN_SOCKET)");
        }

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "mxcp-admin" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.ListenUnixSocket(path);
        });
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        MxcpAdminEndpointRouteBuilderExtensions.MapInto(app, api, _options, "", guard: null, consoleToken: null);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            DeleteIfSocket(path);
            throw;
        }

        _app = app;
        api.SocketPath = path;
        LogListening(logger, path);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            await app.StopAsync(cancellationToken).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            _app = null;
            DeleteIfSocket(Path.GetFullPath(_options.SocketPath));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<bool> IsLiveAsync(string path, CancellationToken cancellationToken)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await probe.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Removes our socket; whatever else took its path since (a file, a directory) is left alone.</summary>
    private static void DeleteIfSocket(string path)
    {
        try
        {
            if (SocketPathKind.IsSocket(path))
            {
                File.Delete(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone already, or not ours to remove.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Admin API listening on unix socket {Path}")]
    private static partial void LogListening(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed the stale admin socket {Path}")]
    private static partial void LogStaleSocketRemoved(ILogger logger, string path);
}
