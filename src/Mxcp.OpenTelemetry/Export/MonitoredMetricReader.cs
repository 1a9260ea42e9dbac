using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Mxcp.OpenTelemetry.Export;

/// <summary>
/// Exports metrics every interval on OpenTelemetry's own thread and reports each export's outcome to
/// <see cref="ExportHealth"/>. Metrics are cumulative: an export that fails loses nothing the next one does not carry.
/// </summary>
internal sealed class MonitoredMetricReader(BaseExporter<Metric> exporter, int intervalMilliseconds, int timeoutMilliseconds, ExportHealth health, string destination)
    : PeriodicExportingMetricReader(exporter, intervalMilliseconds, timeoutMilliseconds)
{
    protected override bool OnCollect(int timeoutMilliseconds)
    {
        var exported = base.OnCollect(timeoutMilliseconds);
        if (exported)
        {
            health.ExportSucceeded("metrics", destination);
        }
        else
        {
            health.ExportFailedFor("metrics", destination, 0);
        }

        return exported;
    }
}
