using System.Diagnostics;
using System.Diagnostics.Metrics;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Execution;

/// <summary>
/// The process-wide activity source and meter of Mxcp (both named <c>mxcp</c>, <see cref="MxcpTelemetry"/>, as the
/// reference's tracer), and the histogram buckets every Mxcp duration uses.
/// </summary>
internal static class MxcpDiagnostics
{
    public const string Name = MxcpTelemetry.ActivitySourceName;

    public static readonly ActivitySource ActivitySource = new(Name, typeof(MxcpDiagnostics).Assembly.GetName().Version?.ToString());

    public static readonly Meter Meter = new(MxcpTelemetry.MeterName, typeof(MxcpDiagnostics).Assembly.GetName().Version?.ToString());

    /// <summary>
    /// The buckets of every Mxcp duration histogram (<see cref="MxcpTelemetry.DurationBucketsSeconds"/>), given as advice
    /// to the instruments so that OTLP exporters and the Prometheus text use the same.
    /// </summary>
    public static readonly InstrumentAdvice<double> DurationAdvice = new() { HistogramBucketBoundaries = MxcpTelemetry.DurationBucketsSeconds };

    /// <summary>A histogram of durations in seconds (unit <c>s</c>) with <see cref="DurationAdvice"/>'s buckets.</summary>
    public static Histogram<double> CreateDurationHistogram(this Meter meter, string name, string description) =>
        meter.CreateHistogram(name, "s", description, tags: null, advice: DurationAdvice);
}
