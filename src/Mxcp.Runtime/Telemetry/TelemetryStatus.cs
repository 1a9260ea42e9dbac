using System.Text.Json.Nodes;

namespace Mxcp.Runtime.Telemetry;

/// <summary>
/// What this host exports, as its telemetry set-up started it (the Mxcp.OpenTelemetry package, the Prometheus listener),
/// for the admin API's <c>/config</c>: nothing until something starts. Endpoints are shown without credentials; headers
/// never.
/// </summary>
internal sealed class TelemetryStatus
{
    private readonly Lock _gate = new();
    private Snapshot _current = new(null, null, false, null, null);

    /// <summary>Whether anything leaves the process: OTLP traces or metrics, the span log, or a Prometheus listener.</summary>
    public bool Enabled
    {
        get
        {
            var s = _current;
            return s.TracesEndpoint is not null || s.MetricsEndpoint is not null || s.ConsoleSpans || s.PrometheusAddress is not null;
        }
    }

    public void SetExport(string? tracesEndpoint, string? metricsEndpoint, bool consoleSpans, string? protocol)
    {
        lock (_gate)
        {
            _current = _current with
            {
                TracesEndpoint = tracesEndpoint is null ? null : WithoutCredentials(tracesEndpoint),
                MetricsEndpoint = metricsEndpoint is null ? null : WithoutCredentials(metricsEndpoint),
                ConsoleSpans = consoleSpans,
                Protocol = protocol,
            };
        }
    }

    public void SetPrometheus(string? address)
    {
        lock (_gate)
        {
            _current = _current with { PrometheusAddress = address };
        }
    }

    /// <summary>The <c>telemetry</c> object of <c>/config</c>.</summary>
    public JsonObject ToJson()
    {
        var s = _current;
        return new JsonObject
        {
            ["enabled"] = Enabled,
            ["protocol"] = s.Protocol,
            ["tracing"] = new JsonObject
            {
                ["enabled"] = s.TracesEndpoint is not null || s.ConsoleSpans,
                ["endpoint"] = s.TracesEndpoint,
                ["console_export"] = s.ConsoleSpans,
            },
            ["metrics"] = new JsonObject
            {
                ["enabled"] = s.MetricsEndpoint is not null || s.PrometheusAddress is not null,
                ["endpoint"] = s.MetricsEndpoint,
                ["prometheus"] = s.PrometheusAddress,
            },
        };
    }

    private static string WithoutCredentials(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? new UriBuilder(uri) { UserName = "", Password = "" }.Uri.ToString()
            : endpoint;

    private sealed record Snapshot(string? TracesEndpoint, string? MetricsEndpoint, bool ConsoleSpans, string? Protocol, string? PrometheusAddress);
}
