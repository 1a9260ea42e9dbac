using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mxcp.OpenTelemetry.Export;
using Mxcp.Runtime.Hosting;
using Mxcp.Runtime.Telemetry;
using Mxcp.Runtime.Yaml;

namespace Mxcp.OpenTelemetry.Prometheus;

/// <summary>
/// <c>telemetry.metrics.prometheus_port</c>: a small Kestrel server of its own that answers <c>GET /metrics</c> with the
/// Prometheus text of <see cref="PrometheusExporter"/> (the same exporter, and so the same names and values, as the admin
/// API's <c>/metrics</c>). Apart from the MCP server, so that scrapes never meet its request limits or reload drain.
/// </summary>
internal sealed partial class PrometheusListenerHostedService(
    OpenTelemetryHostedService telemetry,
    IServiceProvider services,
    IOptions<MxcpOpenTelemetryOptions> options,
    TelemetryStatus status,
    ILogger<PrometheusListenerHostedService> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The URL of <c>/metrics</c> once listening.</summary>
    public string? Url { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var port = options.Value.PrometheusPort ?? telemetry.Settings?.PrometheusPort;
        if (port is not { } p)
        {
            return;
        }

        var host = options.Value.PrometheusHost;
        IReadOnlyList<IPAddress> addresses;
        try
        {
            addresses = ListenAddresses.Resolve(host);
        }
        catch (ArgumentException e)
        {
            throw new ProjectFileException("Prometheus listener", $"{e.Message} (telemetry.metrics.prometheus_port)", e);
        }

        // Created now, so that it counts from the start rather than from the first scrape.
        var exporter = services.GetRequiredService<PrometheusExporter>();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "mxcp-metrics" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (ListenAddresses.IsLocalhost(host) && p != 0)
            {
                kestrel.ListenLocalhost(p, listen => listen.Protocols = HttpProtocols.Http1);
                return;
            }

            foreach (var address in addresses)
            {
                kestrel.Listen(address, p, listen => listen.Protocols = HttpProtocols.Http1);
            }
        });
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        app.MapGet("/metrics", () => Results.Text(exporter.Render(), PrometheusExporter.ContentType));
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new ProjectFileException("Prometheus listener",
                $"cannot listen on {host}:{p}: {e.Message}; choose another port (telemetry.metrics.prometheus_port, --metrics-port)", e);
        }

        _app = app;
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        Url = bound is null ? null : bound.TrimEnd('/') + "/metrics";
        status.SetPrometheus(Url);
        LogListening(logger, Url ?? $"{host}:{p}");
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Prometheus metrics on {Url}")]
    private static partial void LogListening(ILogger logger, string url);
}
