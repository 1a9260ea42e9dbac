using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Mxcp.Abstractions;
using Mxcp.OpenTelemetry;
using Mxcp.OpenTelemetry.Export;
using Mxcp.OpenTelemetry.Prometheus;
using Mxcp.Runtime.Reload;
using Mxcp.Runtime.Telemetry;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds OpenTelemetry export and the Prometheus listener to an Mxcp host.</summary>
public static class MxcpOpenTelemetryBuilderExtensions
{
    /// <summary>
    /// Exports the host's telemetry as the MXCP user configuration says, once the project is loaded: the active
    /// profile's <c>telemetry</c> block with the <c>OTEL_*</c> and <c>MXCP_TELEMETRY_*</c> environment variables over
    /// it. Traces (a span per call, with the DuckDB and Python work as children, continuing the caller's W3C trace
    /// context) and metrics go over OTLP (HTTP/protobuf or gRPC); <c>tracing.console_export</c> writes spans to the log;
    /// <c>metrics.prometheus_port</c> (or <see cref="MxcpOpenTelemetryOptions.PrometheusPort"/>) opens a listener that
    /// serves <c>GET /metrics</c> in the Prometheus text format. An unreachable collector never slows or fails a call:
    /// spans wait in a bounded queue, and what is dropped is counted and logged once. Settings are read at start; a
    /// reload that changes them is logged and applies after a restart.
    /// </summary>
    /// <remarks>
    /// A host with its own OpenTelemetry set-up does not call this; it adds Mxcp's sources to its providers instead
    /// (<c>AddMxcpInstrumentation()</c> on its tracer and meter provider builders).
    /// </remarks>
    /// <param name="builder">The Mxcp builder.</param>
    /// <param name="configure">Sets <see cref="MxcpOpenTelemetryOptions"/>.</param>
    /// <returns>The builder.</returns>
    public static IMxcpBuilder AddOpenTelemetry(this IMxcpBuilder builder, Action<MxcpOpenTelemetryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<MxcpOpenTelemetryOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<PrometheusExporter>();
        services.TryAddSingleton<OpenTelemetryHostedService>();
        services.TryAddSingleton<PrometheusListenerHostedService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, OpenTelemetryHostedService>(sp => sp.GetRequiredService<OpenTelemetryHostedService>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PrometheusListenerHostedService>(sp => sp.GetRequiredService<PrometheusListenerHostedService>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProjectSnapshotListener, OpenTelemetryHostedService>(sp => sp.GetRequiredService<OpenTelemetryHostedService>()));
        return builder;
    }
}
