namespace Mxcp.Abstractions;

/// <summary>
/// The names under which Mxcp and its plugins report traces and metrics through <c>System.Diagnostics</c>. A host with
/// its own OpenTelemetry setup adds them (<c>tracing.AddSource(MxcpTelemetry.ActivitySourceName)</c>,
/// <c>metrics.AddMeter(MxcpTelemetry.MeterName)</c>); a plugin creates its spans on an <c>ActivitySource</c> and its
/// instruments on a <c>Meter</c> of these names, and they are exported with Mxcp's own (OTLP, and the Prometheus text of
/// <c>/metrics</c>). Instrument names start with <c>mxcp.</c>; durations are histograms in seconds (unit <c>s</c>).
/// </summary>
public static class MxcpTelemetry
{
    /// <summary>The <c>ActivitySource</c> name of every Mxcp span: <c>mxcp</c>.</summary>
    public const string ActivitySourceName = "mxcp";

    /// <summary>The <c>Meter</c> name of every Mxcp instrument: <c>mxcp</c>.</summary>
    public const string MeterName = "mxcp";

    /// <summary>
    /// The bucket bounds, in seconds, of Mxcp's duration histograms (from 5 ms to 300 s, the default Python call
    /// timeout). Give them as the instrument's advice (<c>InstrumentAdvice&lt;double&gt;.HistogramBucketBoundaries</c>)
    /// so that OTLP and the Prometheus text use the same buckets.
    /// </summary>
    public static IReadOnlyList<double> DurationBucketsSeconds { get; } =
        Array.AsReadOnly(new double[] { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300 });
}
