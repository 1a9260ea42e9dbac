using Microsoft.Extensions.Logging;

namespace Mxcp.Runtime.Execution;

/// <summary>
/// The calls running in the pipeline, so that a stopping host can let them finish and, when its shutdown timeout
/// expires, stop them: each one that is still running is cancelled (DuckDB queries are interrupted, Python calls
/// cancelled in their worker) and ends with an error answer to its caller and an audit record, instead of being cut off
/// with its connection. Once <see cref="DrainAsync"/> has started, new calls are refused with an error answer.
/// </summary>
internal sealed partial class InFlightCalls(ILogger<InFlightCalls> logger) : IDisposable
{
    /// <summary>How long cancelled calls get to end (and be answered) after the shutdown timeout expired.</summary>
    public static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(5);

    /// <summary>The error answer of a call the host stopped.</summary>
    public const string StoppedMessage = "The server is shutting down: the call was cancelled because it was still running when the shutdown timeout expired";

    /// <summary>The error answer of a call that arrived while the host was stopping.</summary>
    public const string RefusedMessage = "The server is shutting down and accepts no new calls";

    private static readonly AsyncLocal<Admission?> CurrentAdmission = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource? _idle;
    private int _count;
    private int _admitted;
    private long _started;
    private bool _closed;

    /// <summary>Calls running now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Calls started since the host started.</summary>
    public long Started => Interlocked.Read(ref _started);

    /// <summary>Cancelled when the host stops the calls still running at its shutdown timeout.</summary>
    public CancellationToken Aborted => _abort.Token;

    /// <summary>
    /// Admits a request (an HTTP POST) whose calls have not reached the pipeline yet, or returns <see langword="null"/>
    /// when the host is stopping and the request must be refused. Until the admission is disposed, the calls the request
    /// makes (in this execution context) are let in even after <see cref="DrainAsync"/> has started, and a drain waits
    /// for the admission too: a request the transport accepted just before the host began stopping is answered rather
    /// than refused halfway.
    /// </summary>
    public IDisposable? TryAdmit()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return null;
            }

            _admitted++;
        }

        var admission = new Admission(this);
        CurrentAdmission.Value = admission;
        return admission;
    }

    /// <summary>Registers a call; <see langword="false"/> when the host is stopping and the call must be refused.</summary>
    public bool TryEnter()
    {
        lock (_gate)
        {
            if (_closed && CurrentAdmission.Value is not { Released: false })
            {
                return false;
            }

            _count++;
            _started++;
            return true;
        }
    }

    /// <summary>A call registered by <see cref="TryEnter"/> has ended.</summary>
    public void Exit()
    {
        lock (_gate)
        {
            _count--;
            SignalIfIdle();
        }
    }

    private void Release(Admission admission)
    {
        lock (_gate)
        {
            if (admission.Released)
            {
                return;
            }

            admission.Released = true;
            _admitted--;
            SignalIfIdle();
        }
    }

    private void SignalIfIdle()
    {
        if (_count == 0 && _admitted == 0)
        {
            _idle?.TrySetResult();
        }
    }

    /// <summary>
    /// Refuses new calls from now on and waits for those running. When <paramref name="timeout"/> fires first (the host's
    /// shutdown timeout), cancels them and waits up to <see cref="AbortGrace"/> for them to end.
    /// </summary>
    /// <returns>How many calls were cancelled.</returns>
    public async Task<int> DrainAsync(CancellationToken timeout)
    {
        Task idle;
        lock (_gate)
        {
            _closed = true;
            if (_count == 0 && _admitted == 0)
            {
                return 0;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            idle = _idle.Task;
        }

        LogWaiting(logger, Count);
        try
        {
            await idle.WaitAsync(timeout).ConfigureAwait(false);
            return 0;
        }
        catch (OperationCanceledException)
        {
        }

        var running = Count;
        LogCancelling(logger, running);
        await _abort.CancelAsync().ConfigureAwait(false);
        try
        {
            await idle.WaitAsync(AbortGrace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogStillRunning(logger, Count, AbortGrace.TotalSeconds);
        }

        return running;
    }

    public void Dispose() => _abort.Dispose();

    private sealed class Admission(InFlightCalls owner) : IDisposable
    {
        /// <summary>Read and written under the owner's lock.</summary>
        public bool Released { get; set; }

        public void Dispose() => owner.Release(this);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: waiting for {Calls} call(s) in flight")]
    private static partial void LogWaiting(ILogger logger, int calls);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The shutdown timeout expired with {Calls} call(s) still running: cancelling them (their callers get an error answer)")]
    private static partial void LogCancelling(ILogger logger, int calls);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Calls} call(s) did not end within {Seconds} s of being cancelled; stopping without them")]
    private static partial void LogStillRunning(ILogger logger, int calls, double seconds);
}
