using System.Collections.Concurrent;
using System.Diagnostics;
using OpenTelemetry;

namespace Mxcp.OpenTelemetry.Export;

/// <summary>
/// Hands finished spans to an exporter on a thread of its own, in batches: every <c>scheduleDelay</c>, or sooner once a
/// batch is full. Ending a span only enqueues it and never waits; when <c>maxQueueSize</c> spans are waiting, further
/// ones are dropped and counted, so a slow or unreachable collector costs a call nothing.
/// </summary>
/// <remarks>
/// OpenTelemetry's <c>BatchActivityExportProcessor</c> works the same way but keeps its drop count internal; this one
/// reports drops and failed exports to <see cref="ExportHealth"/>, as the operations guide asks.
/// </remarks>
internal sealed class BoundedExportProcessor : BaseExportProcessor<Activity>
{
    private readonly ConcurrentQueue<Activity> _queue = new();
    private readonly int _maxQueueSize;
    private readonly int _maxBatchSize;
    private readonly int _scheduleDelayMilliseconds;
    private readonly ExportHealth _health;
    private readonly string _destination;
    private readonly AutoResetEvent _wake = new(false);
    private readonly object _progressGate = new();
    private readonly Thread _worker;
    private int _queued;
    private long _enqueued;
    private long _handled;
    private volatile bool _stopping;

    public BoundedExportProcessor(BaseExporter<Activity> exporter, int maxQueueSize, int maxBatchSize, int scheduleDelayMilliseconds, ExportHealth health, string destination)
        : base(exporter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxQueueSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        _maxQueueSize = maxQueueSize;
        _maxBatchSize = Math.Min(maxBatchSize, maxQueueSize);
        _scheduleDelayMilliseconds = scheduleDelayMilliseconds;
        _health = health;
        _destination = destination;
        _worker = new Thread(Run) { IsBackground = true, Name = "mxcp span export" };
        _worker.Start();
    }

    protected override void OnExport(Activity data)
    {
        if (_stopping || Interlocked.Increment(ref _queued) > _maxQueueSize)
        {
            if (!_stopping)
            {
                Interlocked.Decrement(ref _queued);
            }

            _health.SpanDropped(_destination);
            return;
        }

        _queue.Enqueue(data);
        Interlocked.Increment(ref _enqueued);
        if (Volatile.Read(ref _queued) >= _maxBatchSize)
        {
            _wake.Set();
        }
    }

    protected override bool OnForceFlush(int timeoutMilliseconds)
    {
        var started = Stopwatch.GetTimestamp();
        var target = Interlocked.Read(ref _enqueued);
        _wake.Set();
        if (!WaitHandled(target, timeoutMilliseconds))
        {
            return false;
        }

        return exporter.ForceFlush(Remaining(timeoutMilliseconds, started));
    }

    protected override bool OnShutdown(int timeoutMilliseconds)
    {
        var started = Stopwatch.GetTimestamp();
        _stopping = true;
        _wake.Set();
        var joined = timeoutMilliseconds == Timeout.Infinite ? _worker.Join(Timeout.Infinite) : _worker.Join(Math.Max(0, timeoutMilliseconds));
        return exporter.Shutdown(Remaining(timeoutMilliseconds, started)) && joined;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _wake.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Run()
    {
        var batch = new Activity[_maxBatchSize];
        while (true)
        {
            var stopping = _stopping;
            if (!stopping)
            {
                try
                {
                    _wake.WaitOne(_scheduleDelayMilliseconds);
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
            }

            ExportQueued(batch);
            if (stopping)
            {
                return;
            }
        }
    }

    private void ExportQueued(Activity[] batch)
    {
        while (true)
        {
            var count = 0;
            while (count < batch.Length && _queue.TryDequeue(out var activity))
            {
                batch[count++] = activity;
            }

            if (count == 0)
            {
                return;
            }

            Interlocked.Add(ref _queued, -count);
            try
            {
                var result = exporter.Export(new Batch<Activity>(batch, count));
                if (result == ExportResult.Success)
                {
                    _health.ExportSucceeded("traces", _destination);
                }
                else
                {
                    _health.ExportFailedFor("traces", _destination, count);
                }
            }
            catch (Exception)
            {
                // An exporter that throws loses its batch like one that fails; the processor goes on.
                _health.ExportFailedFor("traces", _destination, count);
            }
            finally
            {
                Array.Clear(batch, 0, count);
                lock (_progressGate)
                {
                    _handled += count;
                    Monitor.PulseAll(_progressGate);
                }
            }
        }
    }

    private bool WaitHandled(long target, int timeoutMilliseconds)
    {
        var started = Stopwatch.GetTimestamp();
        lock (_progressGate)
        {
            while (_handled < target)
            {
                var remaining = Remaining(timeoutMilliseconds, started);
                if (remaining == 0 || !_worker.IsAlive)
                {
                    return false;
                }

                Monitor.Wait(_progressGate, remaining == Timeout.Infinite ? 100 : Math.Min(remaining, 100));
            }
        }

        return true;
    }

    private static int Remaining(int timeoutMilliseconds, long started) =>
        timeoutMilliseconds == Timeout.Infinite
            ? Timeout.Infinite
            : Math.Max(0, timeoutMilliseconds - (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
}
