using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Mxcp.Runtime.Execution;

namespace Mxcp.OpenTelemetry.Export;

/// <summary>
/// Counts what telemetry export loses and says so in the log once per outage: the first dropped span or failed export
/// is a warning, the first success after failures an information line with how much was lost; everything in between
/// is only counted (<c>mxcp.telemetry.spans.dropped</c> by reason, <c>mxcp.telemetry.export.failures</c> by signal).
/// Nothing here ever reaches a call: export runs on its own threads.
/// </summary>
internal sealed partial class ExportHealth
{
    public const string QueueFull = "queue_full";
    public const string ExportFailed = "export_failed";

    private readonly Counter<long> _dropped;
    private readonly Counter<long> _failures;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _lostSinceOutage = new(StringComparer.Ordinal);
    private readonly HashSet<string> _failing = new(StringComparer.Ordinal);
    private long _totalDropped;

    public ExportHealth(MxcpMeter meter, ILogger logger)
    {
        _dropped = meter.Meter.CreateCounter<long>("mxcp.telemetry.spans.dropped", "{span}", "Spans not exported, by reason (queue_full, export_failed)");
        _failures = meter.Meter.CreateCounter<long>("mxcp.telemetry.export.failures", "{export}", "Failed OTLP exports, by signal (traces, metrics)");
        _logger = logger;
    }

    /// <summary>Spans dropped so far, for tests and the shutdown line.</summary>
    public long TotalDropped => Interlocked.Read(ref _totalDropped);

    /// <summary>A span did not fit in the export queue.</summary>
    public void SpanDropped(string destination)
    {
        Interlocked.Increment(ref _totalDropped);
        _dropped.Add(1, new KeyValuePair<string, object?>("reason", QueueFull));
        Lost("traces", destination, 1, QueueFull);
    }

    /// <summary>An export of <paramref name="items"/> items (spans, or metric streams) failed.</summary>
    public void ExportFailedFor(string signal, string destination, int items)
    {
        _failures.Add(1, new KeyValuePair<string, object?>("signal", signal));
        if (signal == "traces")
        {
            Interlocked.Add(ref _totalDropped, items);
            _dropped.Add(items, new KeyValuePair<string, object?>("reason", ExportFailed));
        }

        Lost(signal, destination, signal == "traces" ? items : 0, ExportFailed);
    }

    /// <summary>An export succeeded: ends an outage of <paramref name="signal"/>, if there was one.</summary>
    public void ExportSucceeded(string signal, string destination)
    {
        long lost;
        lock (_gate)
        {
            if (!_failing.Remove(signal))
            {
                return;
            }

            lost = _lostSinceOutage.Remove(signal, out var n) ? n : 0;
        }

        LogRecovered(_logger, signal, destination, lost);
    }

    private void Lost(string signal, string destination, long items, string reason)
    {
        bool first;
        lock (_gate)
        {
            first = _failing.Add(signal);
            _lostSinceOutage[signal] = _lostSinceOutage.GetValueOrDefault(signal) + items;
        }

        if (first)
        {
            if (reason == QueueFull)
            {
                LogQueueFull(_logger, destination);
            }
            else
            {
                LogExportFailing(_logger, signal, destination);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telemetry export of {Signal} to {Destination} failed; calls are not affected, and what cannot be sent is dropped and counted (mxcp.telemetry.spans.dropped, mxcp.telemetry.export.failures) without further log lines until an export succeeds")]
    private static partial void LogExportFailing(ILogger logger, string signal, string destination);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spans for {Destination} are coming faster than they can be exported (queue full); calls are not affected, and dropped spans are counted (mxcp.telemetry.spans.dropped) without further log lines until an export succeeds")]
    private static partial void LogQueueFull(ILogger logger, string destination);

    [LoggerMessage(Level = LogLevel.Information, Message = "Telemetry export of {Signal} to {Destination} works again ({Lost} spans were dropped meanwhile)")]
    private static partial void LogRecovered(ILogger logger, string signal, string destination, long lost);
}
