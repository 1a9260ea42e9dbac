using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mxcp.Runtime.Execution;

namespace Mxcp.Runtime.Hosting;

/// <summary>
/// Gives memory back to the operating system after a large answer. The garbage collector frees a large result's objects
/// at its next collection, but an idle server runs none, so the process kept its peak size (measured: 138 MB before
/// a 1,000,000-row answer, 1.6 GB after it, for as long as the server stayed idle). Every <see cref="Interval"/> this
/// looks at the size of the managed heap, garbage included; when it is more than <see cref="Threshold"/> above the
/// idle size and the server has been idle for a whole interval (no call started or running, so the answer has been
/// sent), it runs one full, compacting collection that releases the free memory. The shared array pool keeps the large
/// buffers that serialising the answer rented until they have been unused for about a minute, so a collection is
/// repeated after <see cref="RetryAfter"/> while it still frees memory; memory that a collection no longer frees is live
/// and becomes the new idle size.
/// </summary>
/// <remarks>
/// A plain hosted service rather than a <see cref="BackgroundService"/>: when another service stops the host's start-up,
/// a background service whose loop had not begun yet ends cancelled without the host having stopped it, which the host
/// logs as a fault and a critical error next to the real cause.
/// </remarks>
internal sealed partial class ManagedMemoryTrimmer(InFlightCalls calls, ILogger<ManagedMemoryTrimmer> logger, TimeProvider? time = null) : IHostedService, IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(65);

    public const long Threshold = 64L * 1024 * 1024;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private long _idleSize = -1;
    private long _startedAtLastTick = -1;
    private long? _lastTrimmed;
    private long _lastTrimmedSize;

    /// <summary>How the managed heap is measured (garbage included); replaceable in tests.</summary>
    internal Func<long> HeapBytes { get; init; } = static () => GC.GetTotalMemory(forceFullCollection: false);

    /// <summary>Runs the full collection; replaceable in tests.</summary>
    internal Action Collect { get; init; } = static () => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = RunAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_loop is not { } loop)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Tick();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <returns>Whether a collection ran.</returns>
    internal bool Tick()
    {
        var heap = HeapBytes();
        if (_idleSize < 0 || heap < _idleSize)
        {
            _idleSize = heap;
        }

        var started = calls.Started;
        var idle = started == _startedAtLastTick && calls.Count == 0;
        _startedAtLastTick = started;
        if (!idle || heap - _idleSize < Threshold)
        {
            return false;
        }

        var now = _time.GetTimestamp();
        if (_lastTrimmed is { } last && _time.GetElapsedTime(last, now) < RetryAfter)
        {
            return false;
        }

        Collect();
        var after = HeapBytes();
        if (_lastTrimmed is not null && after > _lastTrimmedSize - (_lastTrimmedSize / 10))
        {
            // The last collection freed little: what is left is live.
            _idleSize = after;
        }

        _lastTrimmed = now;
        _lastTrimmedSize = after;
        LogTrimmed(logger, heap / (1024 * 1024), after / (1024 * 1024));
        return true;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Returned memory after a large answer: managed heap {Before} MiB -> {After} MiB")]
    private static partial void LogTrimmed(ILogger logger, long before, long after);
}
