using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Audit;

/// <summary>
/// Writes audit records off the request path: calls enqueue into a bounded queue and return at once; one background
/// loop hands the sink a batch as soon as <see cref="MinBatch"/> records are waiting or the oldest has waited
/// <see cref="MaxDelay"/> (the reference's "10 records or 1 s"), taking everything queued up to <see cref="MaxBatch"/>
/// — a group commit, so one fsync covers many calls under load. Batches start at most every <see cref="MinInterval"/>
/// unless a whole <see cref="MaxBatch"/> is waiting: at thousands of calls a second, an fsync per 10 records cost
/// about a tenth of the server's CPU. The loop sleeps until the next of those moments instead of polling: a caller wakes
/// it only when its record makes the count it waits for, so a busy server wakes it about once per batch. A failed
/// batch is retried with backoff (the queue
/// absorbs the wait); a full queue drops records. Every loss is counted in <c>mxcp.audit.records.dropped</c> and logged
/// as an error. <see cref="StopAsync"/> writes everything accepted before it returns.
/// </summary>
internal sealed partial class AuditWriter(ILogger<AuditWriter> logger, TimeProvider? time = null)
{
    public const int MinBatch = 10;
    public const int MaxBatch = 1000;
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1);

    /// <summary>The shortest time between the starts of two batches, unless <see cref="MaxBatch"/> records are waiting.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>The shortest sleep of the loop: a clock that has not reached a deadline yet is looked at again after it.</summary>
    private static readonly TimeSpan MinSleep = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan ForcedExitFlush = TimeSpan.FromSeconds(3);

    /// <summary>How long the final flush may take after the host's shutdown timeout.</summary>
    public static readonly TimeSpan FinalFlushGrace = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan DropLogInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly CancellationTokenSource _flushNow = new();

    // Set by a caller whose record brings the queue to _wakeAt records; the loop sleeps on it.
    private readonly ManualResetEventSlim _wake = new(initialState: false, spinCount: 0);
    private long _pending;
    private long _wakeAt = long.MaxValue;
    private Channel<AuditEntry>? _channel;
    private long _lastBatch;
    private IAuditSink? _sink;
    private Task? _loop;
    private bool _accepting;
    private DateTimeOffset _lastTimestamp;
    private long _written;
    private long _dropped;
    private long _droppedSinceLog;
    private long _lastDropLog = long.MinValue;

    public bool IsRunning => Volatile.Read(ref _accepting);

    /// <summary>Records stored by the sink so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Records lost so far (queue full, write failures at shutdown, not running).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Start(IAuditSink sink, int capacity)
    {
        lock (_gate)
        {
            if (_loop is not null)
            {
                throw new InvalidOperationException("The audit writer is already started");
            }

            _sink = sink;
            _channel = Channel.CreateBounded<AuditEntry>(new BoundedChannelOptions(capacity)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
            _accepting = true;
            _flushNow.Token.Register(_wake.Set);
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() =>
            {
                try
                {
                    Run();
                    done.SetResult();
                }
                catch (Exception e)
                {
                    done.SetException(e);
                }
            })
            {
                IsBackground = true,
                Name = "mxcp audit writer",
            };
            thread.Start();
            _loop = done.Task;
            AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        }
    }

    /// <summary>
    /// Queues a record without waiting. Timestamps of one writer strictly increase in queue order (a record stamped a
    /// moment earlier on another thread is moved one microsecond past its predecessor), so every segment is in time
    /// order and readers can merge segments newest first without sorting.
    /// </summary>
    public bool TryEnqueue(AuditRecord record) => TryEnqueue(new AuditEntry(record));

    /// <inheritdoc cref="TryEnqueue(AuditRecord)"/>
    public bool TryEnqueue(AuditEntry entry)
    {
        string? reason = null;
        lock (_gate)
        {
            if (!_accepting)
            {
                reason = AuditMetrics.NotRunning;
            }
            else
            {
                var previous = entry.Record;
                if (entry.Record.Timestamp <= _lastTimestamp)
                {
                    entry.Record = entry.Record with { Timestamp = _lastTimestamp.AddTicks(10) };
                }

                if (_channel!.Writer.TryWrite(entry))
                {
                    _lastTimestamp = entry.Record.Timestamp;
                    if (Interlocked.Increment(ref _pending) == Volatile.Read(ref _wakeAt))
                    {
                        _wake.Set();
                    }
                }
                else
                {
                    entry.Record = previous;
                    reason = AuditMetrics.QueueFull;
                }
            }
        }

        if (reason is not null)
        {
            RecordDropped(1, reason);
            return false;
        }

        AuditMetrics.AddQueued(1);
        AuditMetrics.Accepted.Add(1);
        return true;
    }

    /// <summary>Counts and reports a record lost before it reached the queue.</summary>
    public void RecordDropped(long count, string reason)
    {
        Interlocked.Add(ref _dropped, count);
        AuditMetrics.AddDropped(count, reason);
        Interlocked.Add(ref _droppedSinceLog, count);
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastDropLog);
        if ((last == long.MinValue || _time.GetElapsedTime(last, now) >= DropLogInterval)
            && Interlocked.CompareExchange(ref _lastDropLog, now, last) == last)
        {
            LogDropped(logger, Interlocked.Exchange(ref _droppedSinceLog, 0), reason, Dropped);
        }
    }

    /// <summary>
    /// Stops accepting, then writes everything queued. The writing gets at least <see cref="FinalFlushGrace"/>, even when
    /// <paramref name="cancellationToken"/> (the host's shutdown timeout) has fired already, as it has when calls had to be
    /// cancelled at the timeout: their records are the last ones queued. What is still waiting after that is counted as
    /// dropped and logged.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task? loop;
        lock (_gate)
        {
            _accepting = false;
            _channel?.Writer.TryComplete();
            loop = _loop;
        }

        await _flushNow.CancelAsync().ConfigureAwait(false);

        if (loop is null)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;

        try
        {
            await loop.WaitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException)
        {
        }

        try
        {
            await loop.WaitAsync(FinalFlushGrace, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _abort.CancelAsync().ConfigureAwait(false);
            await loop.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The process exits without a graceful stop (<c>Environment.Exit</c>, a second SIGTERM): write what is queued in
    /// the little time left, and report what could not be written on stderr directly (the logger may not flush now).
    /// </summary>
    private void OnProcessExit(object? sender, EventArgs e)
    {
        Task? loop;
        lock (_gate)
        {
            if (!_accepting)
            {
                return;
            }

            _accepting = false;
            _channel?.Writer.TryComplete();
            loop = _loop;
        }

        _flushNow.Cancel();
        if (loop is null || loop.Wait(ForcedExitFlush))
        {
            return;
        }

        var before = Dropped;
        _abort.Cancel();
        loop.Wait(TimeSpan.FromSeconds(1));
        var lost = Dropped - before + (_channel?.Reader.Count ?? 0);
        Console.Error.WriteLine($"AUDIT RECORDS LOST: {lost} record(s) could not be written before the process exited");
        Console.Error.Flush();
    }

    /// <summary>
    /// The writer loop, on its own thread: it blocks on the sink (a synchronous fsync, a database round trip) and on its
    /// short waits, so that a slow disk never holds up the thread pool that serves the calls.
    /// </summary>
    private void Run()
    {
        var reader = _channel!.Reader;
        var batch = new List<AuditEntry>(64);
        while (Wait(reader.WaitToReadAsync()))
        {
            Linger();
            while (batch.Count < MaxBatch && reader.TryRead(out var record))
            {
                batch.Add(record);
            }

            Interlocked.Add(ref _pending, -batch.Count);
            AuditMetrics.AddQueued(-batch.Count);
            Write(batch);
            batch.Clear();
        }
    }

    private static T Wait<T>(ValueTask<T> task) => task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// Waits until <see cref="MinBatch"/> records are queued and <see cref="MinInterval"/> has passed since the last
    /// batch started (or <see cref="MaxBatch"/> are queued), the first has waited <see cref="MaxDelay"/>, or a stop flushes.
    /// Each sleep lasts until the nearest of those deadlines, or until a caller's record makes the count that ends it.
    /// </summary>
    private void Linger()
    {
        var first = _time.GetTimestamp();
        while (true)
        {
            var now = _time.GetTimestamp();
            var untilMaxDelay = MaxDelay - _time.GetElapsedTime(first, now);
            var untilInterval = _lastBatch == 0 ? TimeSpan.Zero : MinInterval - _time.GetElapsedTime(_lastBatch, now);
            var count = Volatile.Read(ref _pending);
            if (_flushNow.IsCancellationRequested || untilMaxDelay <= TimeSpan.Zero || count >= MaxBatch
                || (count >= MinBatch && untilInterval <= TimeSpan.Zero))
            {
                break;
            }

            // Before the interval has passed only a whole MaxBatch ends the wait; after it, MinBatch records do.
            var (wakeAt, sleep) = untilInterval > TimeSpan.Zero
                ? (MaxBatch, untilInterval < untilMaxDelay ? untilInterval : untilMaxDelay)
                : (MinBatch, untilMaxDelay);
            _wake.Reset();
            Volatile.Write(ref _wakeAt, wakeAt);
            if (Volatile.Read(ref _pending) < wakeAt && !_flushNow.IsCancellationRequested)
            {
                _wake.Wait(sleep > MinSleep ? sleep : MinSleep);
            }
        }

        Volatile.Write(ref _wakeAt, long.MaxValue);
        _lastBatch = _time.GetTimestamp();
    }

    private void Write(List<AuditEntry> batch)
    {
        var entrySink = _sink as IAuditEntrySink;
        List<AuditRecord>? records = null;
        var backoff = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            if (_abort.IsCancellationRequested)
            {
                Interlocked.Add(ref _dropped, batch.Count);
                AuditMetrics.AddDropped(batch.Count, AuditMetrics.WriteFailed);
                LogLostAtShutdown(logger, batch.Count);
                return;
            }

            var started = Stopwatch.GetTimestamp();
            try
            {
                if (entrySink is not null)
                {
                    entrySink.Write(batch, _abort.Token);
                }
                else
                {
                    records ??= batch.ConvertAll(e => e.Materialize());
                    var write = _sink!.WriteAsync(records, _abort.Token);
                    if (!write.IsCompletedSuccessfully)
                    {
                        write.AsTask().GetAwaiter().GetResult();
                    }
                }

                AuditMetrics.BatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
                AuditMetrics.BatchSize.Record(batch.Count);
                AuditMetrics.Written.Add(batch.Count);
                Interlocked.Add(ref _written, batch.Count);
                if (attempt > 1)
                {
                    LogRecovered(logger, batch.Count, attempt);
                }

                return;
            }
            catch (Exception e)
            {
                AuditMetrics.WriteErrors.Add(1);
                if (attempt == 1 || attempt % 10 == 0)
                {
                    LogWriteFailed(logger, batch.Count, attempt, e);
                }
            }

            _abort.Token.WaitHandle.WaitOne(backoff);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "AUDIT RECORDS LOST: {Count} record(s) dropped ({Reason}); {Total} lost since start. The audit store cannot keep up or is failing.")]
    private static partial void LogDropped(ILogger logger, long count, string reason, long total);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit: writing a batch of {Count} record(s) failed (attempt {Attempt}); retrying. Records wait in the queue meanwhile.")]
    private static partial void LogWriteFailed(ILogger logger, int count, int attempt, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit: a batch of {Count} record(s) was written after {Attempts} attempts")]
    private static partial void LogRecovered(ILogger logger, int count, int attempts);

    [LoggerMessage(Level = LogLevel.Critical, Message = "AUDIT RECORDS LOST: {Count} record(s) could not be written before shutdown timed out")]
    private static partial void LogLostAtShutdown(ILogger logger, int count);
}
