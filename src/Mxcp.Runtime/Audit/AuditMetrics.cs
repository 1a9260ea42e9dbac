using System.Diagnostics.Metrics;
using Mxcp.Runtime.Execution;

namespace Mxcp.Runtime.Audit;

/// <summary>
/// The audit instruments on the <c>mxcp</c> meter. A record that does not reach the store is always counted in
/// <c>mxcp.audit.records.dropped</c> with its <c>reason</c>, and logged.
/// </summary>
internal static class AuditMetrics
{
    public const string QueueFull = "queue_full";
    public const string NotRunning = "not_running";
    public const string WriteFailed = "write_failed";
    public const string BuildFailed = "build_failed";

    private static long s_queued;

    public static readonly Counter<long> Accepted = MxcpDiagnostics.Meter.CreateCounter<long>(
        "mxcp.audit.records.accepted", "{record}", "Audit records queued for writing");

    public static readonly Counter<long> Written = MxcpDiagnostics.Meter.CreateCounter<long>(
        "mxcp.audit.records.written", "{record}", "Audit records stored by the backend");

    public static readonly Counter<long> Dropped = MxcpDiagnostics.Meter.CreateCounter<long>(
        "mxcp.audit.records.dropped", "{record}", "Audit records lost, by reason (queue_full, not_running, write_failed, build_failed)");

    public static readonly Counter<long> WriteErrors = MxcpDiagnostics.Meter.CreateCounter<long>(
        "mxcp.audit.write.errors", "{error}", "Failed attempts to write a batch (each is retried)");

    public static readonly Histogram<double> BatchDuration = MxcpDiagnostics.Meter.CreateDurationHistogram(
        "mxcp.audit.batch.duration", "Time to store one batch");

    public static readonly Histogram<long> BatchSize = MxcpDiagnostics.Meter.CreateHistogram<long>(
        "mxcp.audit.batch.size", "{record}", "Records per stored batch");

    public static readonly ObservableGauge<long> QueueLength = MxcpDiagnostics.Meter.CreateObservableGauge(
        "mxcp.audit.queue.length", () => Interlocked.Read(ref s_queued), "{record}", "Audit records waiting to be written");

    public static void AddQueued(long delta) => Interlocked.Add(ref s_queued, delta);

    public static void AddDropped(long count, string reason) =>
        Dropped.Add(count, new KeyValuePair<string, object?>("reason", reason));
}
