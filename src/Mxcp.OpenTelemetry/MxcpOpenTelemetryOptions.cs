namespace Mxcp.OpenTelemetry;

/// <summary>
/// Settings of <c>AddOpenTelemetry()</c> that a host decides rather than the user configuration. Everything else
/// (endpoint, protocol, headers, service name, resource attributes, tracing, metrics, export interval) comes from the
/// active profile's <c>telemetry</c> block and the <c>OTEL_*</c> and <c>MXCP_TELEMETRY_*</c> environment variables.
/// </summary>
public sealed class MxcpOpenTelemetryOptions
{
    /// <summary>
    /// The port of the Prometheus listener (<c>GET /metrics</c>); overrides <c>telemetry.metrics.prometheus_port</c> and
    /// <c>MXCP_TELEMETRY_PROMETHEUS_PORT</c>. 0 picks a free port. <see langword="null"/>: the configuration decides, and
    /// without a port there is no listener.
    /// </summary>
    public int? PrometheusPort { get; set; }

    /// <summary>The address the Prometheus listener binds: <c>localhost</c> (default), <c>0.0.0.0</c>, <c>::</c>, an IP or a host name.</summary>
    public string PrometheusHost { get; set; } = "localhost";
}
