using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Runtime.Audit;
using Mxcp.Runtime.Tests.TestSupport;
using static Mxcp.Runtime.Tests.Audit.AuditRecords;

namespace Mxcp.Runtime.Tests.Audit;

/// <summary>The background writer: never blocks callers, loses nothing it accepted, and counts and logs what it cannot keep.</summary>
public sealed class AuditWriterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Collects the dropped-record measurements of the mxcp meter.</summary>
    private sealed class DroppedMeter : IDisposable
    {
        private readonly MeterListener _listener = new();

        public DroppedMeter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "mxcp" && instrument.Name is "mxcp.audit.records.dropped" or "mxcp.audit.write.errors")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                var reason = "";
                foreach (var tag in tags)
                {
                    if (tag.Key == "reason")
                    {
                        reason = (string)tag.Value!;
                    }
                }

                Measurements.Add((instrument.Name, reason, value));
            });
            _listener.Start();
        }

        public ConcurrentBag<(string Instrument, string Reason, long Value)> Measurements { get; } = [];

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>A sink that can hold batches, fail a number of times, and remembers what it stored.</summary>
    private sealed class TestSink : IAuditSink
    {
        public ConcurrentQueue<AuditRecord> Stored { get; } = new();

        public ConcurrentQueue<int> Batches { get; } = new();

        public TaskCompletionSource? Gate { get; set; }

        public int FailuresLeft { get; set; }

        public async ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
        {
            if (Gate is { } gate)
            {
                await gate.Task.WaitAsync(cancellationToken);
            }

            if (FailuresLeft > 0)
            {
                FailuresLeft--;
                throw new IOException("No space left on device");
            }

            Batches.Enqueue(records.Count);
            foreach (var record in records)
            {
                Stored.Enqueue(record);
            }
        }
    }

    [Fact]
    public async Task StopAsync_AfterABurst_EveryAcceptedRecordIsStoredOnceInOrder()
    {
        var sink = new TestSink();
        var writer = new AuditWriter(new RecordingLoggerFactory().CreateLogger<AuditWriter>());
        writer.Start(sink, capacity: 100_000);
        var records = Enumerable.Range(0, 20_000).Select(i => Make(0) with { DurationMs = i }).ToList();
        await Parallel.ForEachAsync(records.Chunk(1000), Ct, (chunk, _) =>
        {
            foreach (var r in chunk)
            {
                Assert.True(writer.TryEnqueue(r));
            }

            return ValueTask.CompletedTask;
        });

        await writer.StopAsync(Ct);
        Assert.Equal(20_000, sink.Stored.Count);
        Assert.Equal(Enumerable.Range(0, 20_000), sink.Stored.Select(r => (int)r.DurationMs).Order());
        Assert.Equal(20_000, sink.Stored.Select(r => r.RecordId).Distinct().Count());
        var stamps = sink.Stored.Select(r => r.Timestamp).ToList();
        Assert.True(stamps.Zip(stamps.Skip(1)).All(p => p.First < p.Second), "stored in strictly increasing time order");
        Assert.True(sink.Batches.Max() > 1, "records that queue up are written together");
        Assert.All(sink.Batches, size => Assert.InRange(size, 1, AuditWriter.MaxBatch));
        Assert.Equal(20_000, writer.Written);
        Assert.Equal(0, writer.Dropped);
    }

    [Fact]
    public async Task Batching_TenRecordsWrittenAtOnce_ALoneRecordWithinOneSecond()
    {
        var sink = new TestSink();
        var writer = new AuditWriter(new RecordingLoggerFactory().CreateLogger<AuditWriter>());
        writer.Start(sink, capacity: 1000);

        var lone = System.Diagnostics.Stopwatch.StartNew();
        writer.TryEnqueue(Make(0));
        await Task.Delay(300, Ct);
        Assert.Empty(sink.Stored);
        while (sink.Stored.IsEmpty)
        {
            await Task.Delay(10, Ct);
        }

        Assert.InRange(lone.Elapsed, AuditWriter.MaxDelay - TimeSpan.FromMilliseconds(50), AuditWriter.MaxDelay + TimeSpan.FromSeconds(2));

        var ten = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 1; i <= 10; i++)
        {
            writer.TryEnqueue(Make(i));
        }

        while (sink.Stored.Count < 11)
        {
            await Task.Delay(5, Ct);
        }

        Assert.True(ten.Elapsed < AuditWriter.MaxDelay / 2, $"ten records are written without waiting ({ten.Elapsed})");
        Assert.Equal([1, 10], sink.Batches);
        await writer.StopAsync(Ct);
    }

    [Fact]
    public async Task Batching_AfterABatch_TheNextWaitsForMinIntervalAndLosesNothing()
    {
        // The writer's clock stands still unless the test moves it: what the interval holds back stays back however
        // slowly the machine runs, and is written once the clock has moved by the interval.
        var sink = new TestSink();
        var clock = new SteppedClock();
        var writer = new AuditWriter(new RecordingLoggerFactory().CreateLogger<AuditWriter>(), clock);
        writer.Start(sink, capacity: 100_000);
        for (var i = 0; i < 10; i++)
        {
            writer.TryEnqueue(Make(0) with { DurationMs = i });
        }

        await UntilAsync(() => sink.Stored.Count == 10);
        for (var i = 10; i < 30; i++)
        {
            writer.TryEnqueue(Make(0) with { DurationMs = i });
        }

        await Task.Delay(300, Ct);
        Assert.Equal(10, sink.Stored.Count);
        clock.Advance(AuditWriter.MinInterval - TimeSpan.FromMilliseconds(1));
        await Task.Delay(100, Ct);
        Assert.Equal(10, sink.Stored.Count);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        await UntilAsync(() => sink.Stored.Count == 30);
        Assert.Equal([10, 20], sink.Batches);
        await writer.StopAsync(Ct);
        Assert.Equal(Enumerable.Range(0, 30), sink.Stored.Select(r => (int)r.DurationMs));
    }

    [Fact]
    public async Task Batching_AWholeMaxBatchWaiting_WrittenWithoutTheInterval()
    {
        // The clock never moves: only whole batches of MaxBatch records may go without waiting for the interval (a
        // full queue would otherwise cap the rate at one batch per interval).
        var sink = new TestSink();
        var clock = new SteppedClock();
        var writer = new AuditWriter(new RecordingLoggerFactory().CreateLogger<AuditWriter>(), clock);
        writer.Start(sink, capacity: 100_000);
        for (var i = 0; i < 10; i++)
        {
            writer.TryEnqueue(Make(0));
        }

        await UntilAsync(() => sink.Stored.Count == 10);
        for (var i = 0; i < 20 * AuditWriter.MaxBatch; i++)
        {
            Assert.True(writer.TryEnqueue(Make(0)));
        }

        await UntilAsync(() => sink.Stored.Count == 10 + (20 * AuditWriter.MaxBatch));
        Assert.All(sink.Batches.Skip(1), b => Assert.Equal(AuditWriter.MaxBatch, b));
        await writer.StopAsync(Ct);
    }

    /// <summary>Waits for <paramref name="done"/>; fails after 30 s (a hang, not a slow machine).</summary>
    private static async Task UntilAsync(Func<bool> done)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!done())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "the writer did not get there in 30 s");
            await Task.Delay(2, Ct);
        }
    }

    /// <summary>A clock whose timestamps move only when the test moves them.</summary>
    private sealed class SteppedClock : TimeProvider
    {
        private long _ticks = TimeSpan.TicksPerDay;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }

    [Fact]
    public async Task TryEnqueue_SinkStalledAndQueueFull_DropsWithoutWaitingCountsAndLogs()
    {
        using var meter = new DroppedMeter();
        var logs = new RecordingLoggerFactory();
        var sink = new TestSink { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var writer = new AuditWriter(logs.CreateLogger<AuditWriter>());
        writer.Start(sink, capacity: 10);

        var accepted = 0;
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 100; i++)
        {
            accepted += writer.TryEnqueue(Make(i)) ? 1 : 0;
        }

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(2), "enqueueing never waits for the sink");
        // The queue holds 10; the batch the stalled sink is working on holds what the writer took while this loop
        // kept adding (usually 10, a few more when the two threads interleave); the rest is dropped.
        Assert.InRange(accepted, 10, 99);
        Assert.Equal(100 - accepted, writer.Dropped);
        Assert.Equal(100 - accepted, meter.Measurements.Where(m => m.Instrument == "mxcp.audit.records.dropped" && m.Reason == "queue_full").Sum(m => m.Value));
        Assert.Contains(logs.Messages, m => m.Level == LogLevel.Error && m.Message.StartsWith("AUDIT RECORDS LOST", StringComparison.Ordinal));

        sink.Gate.SetResult();
        await writer.StopAsync(Ct);
        Assert.Equal(accepted, sink.Stored.Count);
    }

    [Fact]
    public async Task WriteFailures_RetriedUntilTheSinkRecovers_NothingLost()
    {
        using var meter = new DroppedMeter();
        var logs = new RecordingLoggerFactory();
        var sink = new TestSink { FailuresLeft = 3 };
        var writer = new AuditWriter(logs.CreateLogger<AuditWriter>());
        writer.Start(sink, capacity: 1000);
        for (var i = 0; i < 50; i++)
        {
            Assert.True(writer.TryEnqueue(Make(i)));
        }

        await writer.StopAsync(Ct);
        Assert.Equal(50, sink.Stored.Count);
        Assert.Equal(0, writer.Dropped);
        Assert.True(meter.Measurements.Where(m => m.Instrument == "mxcp.audit.write.errors").Sum(m => m.Value) >= 3);
        Assert.Contains(logs.Messages, m => m.Level == LogLevel.Error && m.Message.Contains("No space left on device", StringComparison.Ordinal) is false
            && m.Message.Contains("failed (attempt 1)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StopAsync_SinkNeverRecoversBeforeTheShutdownTimeout_RemainingRecordsCountedAsLost()
    {
        using var meter = new DroppedMeter();
        var logs = new RecordingLoggerFactory();
        var sink = new TestSink { FailuresLeft = int.MaxValue };
        var writer = new AuditWriter(logs.CreateLogger<AuditWriter>());
        writer.Start(sink, capacity: 1000);
        for (var i = 0; i < 30; i++)
        {
            writer.TryEnqueue(Make(i));
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        await writer.StopAsync(timeout.Token);
        Assert.Empty(sink.Stored);
        Assert.Equal(30, writer.Dropped);
        Assert.Equal(30, meter.Measurements.Where(m => m.Reason == "write_failed").Sum(m => m.Value));
        Assert.Contains(logs.Messages, m => m.Level == LogLevel.Critical && m.Message.Contains("could not be written before shutdown", StringComparison.Ordinal));
    }

    [Fact]
    public void TryEnqueue_WriterNotStarted_CountedAsNotRunning()
    {
        using var meter = new DroppedMeter();
        var writer = new AuditWriter(new RecordingLoggerFactory().CreateLogger<AuditWriter>());
        Assert.False(writer.TryEnqueue(Make(1)));
        Assert.Equal(1, writer.Dropped);
        Assert.Contains(meter.Measurements, m => m.Reason == "not_running");
    }
}
