using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mxcp.Abstractions;
using Mxcp.Runtime.Endpoints;

namespace Mxcp.Runtime.Reload;

/// <summary>
/// Hands out the current <see cref="ProjectSnapshot"/> and swaps it atomically on reload (the YARP config-provider
/// pattern): a call holds the snapshot it started with; a failed reload keeps the last good snapshot.
/// </summary>
internal sealed partial class ProjectSnapshotProvider(
    ProjectSnapshotBuilder builder,
    IOptions<MxcpOptions> options,
    ILogger<ProjectSnapshotProvider> logger) : IProjectReloader, IAsyncDisposable
{
    /// <summary>How long a new call waits for a draining reload before it is refused (the reference's 30 s).</summary>
    public static readonly TimeSpan DrainWaitTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long a draining reload waits for calls in flight (the reference's 90 s).</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(90);

    private readonly SemaphoreSlim _reloadLock = new(1, 1);
    private readonly Lock _queueGate = new();
    private volatile ProjectSnapshot? _current;
    private volatile TaskCompletionSource? _drainGate;

    /// <summary>Raised after a new snapshot became current (initial load and successful reloads).</summary>
    public event Action<ProjectSnapshot>? SnapshotChanged;

    /// <summary>Raised when a reload starts, with its description.</summary>
    public event Action<string>? ReloadStarted;

    public ProjectSnapshot? Current => _current;

    public DateTimeOffset? LastReload { get; private set; }

    /// <summary><c>success</c> or <c>error</c> after a reload; <see langword="null"/> before the first.</summary>
    public string? LastReloadStatus { get; private set; }

    public string? LastReloadError { get; private set; }

    /// <summary>Whether the latest snapshot came from a draining reload, which may have replaced the data (reload_duckdb).</summary>
    public bool LastReloadDrained { get; private set; }

    /// <summary>Whether a reload is draining calls (new calls wait).</summary>
    public bool IsDraining => _drainGate is not null;

    /// <summary>
    /// Leases the current snapshot for one call. While a reload drains, the call waits for it (at most
    /// <see cref="DrainWaitTimeout"/>), then runs on the new snapshot.
    /// </summary>
    public async ValueTask<SnapshotLease> AcquireAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_drainGate is { } gate)
            {
                try
                {
                    await gate.Task.WaitAsync(DrainWaitTimeout, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    throw new ReloadInProgressException();
                }
            }

            var snapshot = _current ?? throw new InvalidOperationException(
                LastReloadError is { } error ? $"The MXCP project could not be loaded: {error}" : "The MXCP project is not loaded yet.");
            if (snapshot.TryAcquire())
            {
                return new SnapshotLease(snapshot);
            }

            // The snapshot was retired between the read and the lease: a swap or a drain is under way.
            await Task.Yield();
        }
    }

    /// <summary>Loads the first snapshot; refuses endpoint errors unless <see cref="MxcpOptions.IgnoreErrors"/>.</summary>
    public async Task<ProjectSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        await _reloadLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var snapshot = await builder.BuildAsync(options.Value, SnapshotBuildMode.Full, cancellationToken).ConfigureAwait(false);
            if (snapshot.Problems.Count > 0)
            {
                if (!options.Value.IgnoreErrors)
                {
                    await snapshot.DisposeAsync().ConfigureAwait(false);
                    throw new EndpointErrorsException(snapshot.Problems);
                }

                foreach (var problem in snapshot.Problems)
                {
                    LogSkippedEndpoint(logger, problem.Message);
                }
            }

            await SwapAsync(snapshot).ConfigureAwait(false);
            return snapshot;
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    /// <summary>
    /// Builds a new snapshot from disk and makes it current; calls in flight finish on the old one. On failure the
    /// current snapshot stays and the error is recorded. A reload whose endpoint files have errors is refused the same
    /// way (unless <see cref="MxcpOptions.IgnoreErrors"/>, which serves the valid endpoints). Requests that arrive while
    /// another plain reload is still queued join it.
    /// </summary>
    public Task<bool> ReloadAsync(CancellationToken cancellationToken) => ReloadAsync("reload", null, cancellationToken);

    /// <summary>A plain reload that has been requested and not started yet; later requests share it.</summary>
    private Task<bool>? _queuedReload;

    /// <inheritdoc />
    public Task<bool> ReloadAsync(string description, Func<CancellationToken, Task>? payload = null, CancellationToken cancellationToken = default)
    {
        if (payload is not null)
        {
            return RunReloadAsync(description, payload, cancellationToken);
        }

        lock (_queueGate)
        {
            return _queuedReload ??= RunReloadAsync(description, null, CancellationToken.None);
        }
    }

    private async Task<bool> RunReloadAsync(string description, Func<CancellationToken, Task>? payload, CancellationToken cancellationToken)
    {
        await _reloadLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (payload is null)
            {
                lock (_queueGate)
                {
                    _queuedReload = null;
                }
            }

            ReloadStarted?.Invoke(description);
            LogReloadStarted(logger, description);
            if (payload is not null)
            {
                return await DrainAndReloadAsync(payload, cancellationToken).ConfigureAwait(false);
            }

            ProjectSnapshot snapshot;
            try
            {
                snapshot = await builder.BuildAsync(options.Value, SnapshotBuildMode.Full, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                RecordReload("error", e.Message);
                LogReloadFailed(logger, e.Message);
                return false;
            }

            if (snapshot.Problems.Count > 0 && !options.Value.IgnoreErrors)
            {
                await snapshot.DisposeAsync().ConfigureAwait(false);
                var error = new EndpointErrorsException(snapshot.Problems).Message;
                RecordReload("error", error);
                LogReloadFailed(logger, error);
                return false;
            }

            foreach (var problem in snapshot.Problems)
            {
                LogSkippedEndpoint(logger, problem.Message);
            }

            await SwapAsync(snapshot).ConfigureAwait(false);
            RecordReload("success", null);
            return true;
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    /// <summary>
    /// Closes everything before running the payload (the database file may be replaced), then loads again. New calls
    /// wait at the drain gate meanwhile.
    /// </summary>
    private async Task<bool> DrainAndReloadAsync(Func<CancellationToken, Task> payload, CancellationToken cancellationToken)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _drainGate = gate;
        try
        {
            var previous = _current;
            if (previous is not null)
            {
                try
                {
                    await previous.RetireAsync().WaitAsync(DrainTimeout, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    LogDrainTimedOut(logger, previous.ActiveCalls, DrainTimeout.TotalSeconds);
                }

                await previous.DisposeAsync().ConfigureAwait(false);
            }

            string? payloadError = null;
            try
            {
                await payload(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                payloadError = $"reload payload failed: {e.Message}";
                LogReloadFailed(logger, payloadError);
            }

            ProjectSnapshot snapshot;
            try
            {
                snapshot = await builder.BuildAsync(options.Value, SnapshotBuildMode.Full, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _current = null;
                RecordReload("error", payloadError is null ? e.Message : $"{payloadError}; {e.Message}");
                LogReloadFailed(logger, e.Message);
                return false;
            }

            _current = snapshot;
            LastReloadDrained = true;
            SnapshotChanged?.Invoke(snapshot);
            LastReloadDrained = false;
            RecordReload(payloadError is null ? "success" : "error", payloadError);
            return payloadError is null;
        }
        finally
        {
            _drainGate = null;
            gate.TrySetResult();
        }
    }

    private void RecordReload(string status, string? error)
    {
        LastReload = DateTimeOffset.UtcNow;
        LastReloadStatus = status;
        LastReloadError = error;
    }

    private Task SwapAsync(ProjectSnapshot snapshot)
    {
        var previous = Interlocked.Exchange(ref _current, snapshot);
        SnapshotChanged?.Invoke(snapshot);
        if (previous is not null)
        {
            // In-flight calls finish on the old snapshot; its executors close when the last one ends.
            _ = RetireAsync(previous);
        }

        return Task.CompletedTask;
    }

    private async Task RetireAsync(ProjectSnapshot snapshot)
    {
        await snapshot.RetireAsync().ConfigureAwait(false);
        await snapshot.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        var current = Interlocked.Exchange(ref _current, null);
        if (current is not null)
        {
            await RetireAsync(current).ConfigureAwait(false);
        }

        _reloadLock.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping endpoint: {Problem}")]
    private static partial void LogSkippedEndpoint(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reload failed: {Error}")]
    private static partial void LogReloadFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reloading the project ({Description})")]
    private static partial void LogReloadStarted(ILogger logger, string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Calls} call(s) still running after {Seconds} s of draining; reloading anyway")]
    private static partial void LogDrainTimedOut(ILogger logger, int calls, double seconds);
}
