using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mxcp.Abstractions;
using Mxcp.Runtime.Endpoints;

namespace Mxcp.Runtime.Reload;

/// <summary>
/// Hands out the current <see cref="ProjectSnapshot"/> and swaps it atomically on reload (the YARP config-provider
/// pattern): a call holds the snapshot it started with; a failed reload keeps the last good snapshot. What happens is
/// told to every <see cref="IProjectSnapshotListener"/> in the service collection, and every
/// <see cref="IProjectSnapshotValidator"/> checks a candidate before it is served.
/// </summary>
internal sealed partial class ProjectSnapshotProvider(
    ProjectSnapshotBuilder builder,
    IOptions<MxcpOptions> options,
    Execution.MxcpMeter meter,
    IServiceProvider services,
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

    // Resolved at the first notification, not in the constructor: listeners depend on this provider.
    private IProjectSnapshotListener[]? _listeners;
    private IProjectSnapshotValidator[]? _validators;

    public ProjectSnapshot? Current => _current;

    public DateTimeOffset? LastReload { get; private set; }

    /// <summary>How the last reload ended; <see langword="null"/> before the first.</summary>
    public ReloadStatus? LastReloadStatus { get; private set; }

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

            if (Validate(snapshot) is { } refused)
            {
                await snapshot.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException(refused);
            }

            _current = snapshot;
            _up ??= meter.Meter.CreateObservableGauge("mxcp.up", UpMeasurements, "1", "1 while the server serves a project");
            NotifySnapshotChanged(snapshot);
            LogLoaded(logger, snapshot.Config.ProjectName, snapshot.Config.Profile, snapshot.Endpoints.Count);
            return snapshot;
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    /// <summary>
    /// Reloads the project from disk (SIGHUP, <c>POST /reload</c>, the file watcher). See
    /// <see cref="ReloadAsync(string, Func{CancellationToken, Task}?, CancellationToken)"/>.
    /// </summary>
    public Task<bool> ReloadAsync(CancellationToken cancellationToken) => ReloadAsync("reload", null, cancellationToken);

    /// <summary>A plain reload that has been requested and has not started yet; later requests share it.</summary>
    private TaskCompletionSource<bool>? _pendingReload;

    /// <summary>
    /// One reload at a time, in order; a plain reload requested while another is still waiting to start joins it. A reload:
    /// <list type="number">
    /// <item>reads the configuration and endpoint files without touching the running project; a configuration error, or
    /// endpoint files with errors (unless <see cref="MxcpOptions.IgnoreErrors"/>), refuse the reload and keep serving;</item>
    /// <item>drains: new calls wait at the gate, calls in flight finish, then the executors close (the database too);</item>
    /// <item>runs the payload, if any, while everything is closed (for example to replace the DuckDB file);</item>
    /// <item>loads the project with new executors; if that fails, the previous project is restored from memory with new
    /// executors, and the error is reported.</item>
    /// </list>
    /// </summary>
    public Task<bool> ReloadAsync(string description, Func<CancellationToken, Task>? payload = null, CancellationToken cancellationToken = default)
    {
        if (payload is not null)
        {
            return RunReloadAsync(description, payload, started: null, cancellationToken);
        }

        TaskCompletionSource<bool> pending;
        lock (_queueGate)
        {
            if (_pendingReload is { } waiting)
            {
                return waiting.Task;
            }

            _pendingReload = pending = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        _ = CompleteAsync(pending, RunReloadAsync(description, null, started: pending, CancellationToken.None));
        return pending.Task;
    }

    private static async Task CompleteAsync(TaskCompletionSource<bool> pending, Task<bool> reload)
    {
        try
        {
            pending.TrySetResult(await reload.ConfigureAwait(false));
        }
        catch (Exception e)
        {
            pending.TrySetException(e);
        }
    }

    private async Task<bool> RunReloadAsync(string description, Func<CancellationToken, Task>? payload, TaskCompletionSource<bool>? started, CancellationToken cancellationToken)
    {
        await _reloadLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (started is not null)
            {
                // From now on a new request must wait for the next reload: this one may already have read the files.
                lock (_queueGate)
                {
                    if (_pendingReload == started)
                    {
                        _pendingReload = null;
                    }
                }
            }

            LogReloadStarted(logger, description);
            Notify(static (l, d) => l.OnReloadStarting(d), description);

            // 1. A broken edit never disturbs the running project. (A payload may repair or replace files, so its reload
            //    is checked only afterwards.)
            if (payload is null && await PrecheckAsync(cancellationToken).ConfigureAwait(false) is { } refused)
            {
                RecordReload(ReloadStatus.Error, refused);
                LogReloadFailed(logger, refused);
                return false;
            }

            return await DrainAndReloadAsync(payload, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    /// <summary>Reads configuration and endpoint files (no executors); returns why the reload must not go ahead, if it must not.</summary>
    private async Task<string?> PrecheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            var check = await builder.BuildAsync(options.Value, SnapshotBuildMode.DiscoveryOnly, cancellationToken).ConfigureAwait(false);
            await check.DisposeAsync().ConfigureAwait(false);
            return check.Problems.Count > 0 && !options.Value.IgnoreErrors ? new EndpointErrorsException(check.Problems).Message : Validate(check);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return e.Message;
        }
    }

    private async Task<bool> DrainAndReloadAsync(Func<CancellationToken, Task>? payload, CancellationToken cancellationToken)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _drainGate = gate;
        try
        {
            // 2. Drain and close.
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

            // 3. The payload runs with everything closed; its failure is reported, not swallowed.
            string? error = null;
            if (payload is not null)
            {
                try
                {
                    await payload(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    error = $"reload payload failed: {e.Message}";
                    LogReloadFailed(logger, error);
                }
            }

            // 4. Load again; on failure, restore what was served before.
            var next = await LoadNextAsync(cancellationToken).ConfigureAwait(false);
            if (next.Error is not null)
            {
                error = error is null ? next.Error : $"{error}; {next.Error}";
                LogReloadFailed(logger, next.Error);
            }

            var snapshot = next.Snapshot;
            if (snapshot is null && previous is not null)
            {
                try
                {
                    snapshot = await builder.RestoreAsync(previous, cancellationToken).ConfigureAwait(false);
                    error += "; the previous project was restored";
                    LogRestored(logger);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    error += $"; restoring the previous project failed too: {e.Message}";
                    LogReloadFailed(logger, e.Message);
                }
            }

            _current = snapshot;
            if (snapshot is not null)
            {
                LastReloadDrained = payload is not null;
                NotifySnapshotChanged(snapshot);
                LastReloadDrained = false;
            }

            RecordReload(error is null ? ReloadStatus.Success : ReloadStatus.Error, error);
            return error is null;
        }
        finally
        {
            _drainGate = null;
            gate.TrySetResult();
        }
    }

    private async Task<(ProjectSnapshot? Snapshot, string? Error)> LoadNextAsync(CancellationToken cancellationToken)
    {
        ProjectSnapshot snapshot;
        try
        {
            snapshot = await builder.BuildAsync(options.Value, SnapshotBuildMode.Full, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (null, e.Message);
        }

        if (snapshot.Problems.Count > 0 && !options.Value.IgnoreErrors)
        {
            await snapshot.DisposeAsync().ConfigureAwait(false);
            return (null, new EndpointErrorsException(snapshot.Problems).Message);
        }

        if (Validate(snapshot) is { } refused)
        {
            await snapshot.DisposeAsync().ConfigureAwait(false);
            return (null, refused);
        }

        foreach (var problem in snapshot.Problems)
        {
            LogSkippedEndpoint(logger, problem.Message);
        }

        return (snapshot, null);
    }

    /// <summary>The first validator's objection to <paramref name="candidate"/>, if any.</summary>
    private string? Validate(ProjectSnapshot candidate)
    {
        _validators ??= [.. services.GetServices<IProjectSnapshotValidator>()];
        foreach (var validator in _validators)
        {
            if (validator.Validate(candidate) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    private void NotifySnapshotChanged(ProjectSnapshot snapshot)
    {
        WatchBuiltInEndpoints(snapshot);
        Notify(static (l, s) => l.OnSnapshotChanged(s), snapshot);
    }

    private readonly HashSet<IEndpointExecutor> _watched = new(ReferenceEqualityComparer.Instance);
    private int _refreshPending;
    private volatile bool _refreshing;

    /// <summary>Listens to the executors of the current snapshot for changes of their built-in endpoints, and only to those.</summary>
    private void WatchBuiltInEndpoints(ProjectSnapshot snapshot)
    {
        lock (_watched)
        {
            foreach (var gone in _watched.Where(e => !snapshot.Executors.Contains(e)).ToList())
            {
                gone.BuiltInEndpointsChanged -= OnBuiltInEndpointsChanged;
                _watched.Remove(gone);
            }

            foreach (var executor in snapshot.Executors.Where(_watched.Add))
            {
                executor.BuiltInEndpointsChanged += OnBuiltInEndpointsChanged;
            }
        }
    }

    private void OnBuiltInEndpointsChanged(object? sender, EventArgs e)
    {
        // Changes that arrive while a refresh is queued are served by it.
        if (Interlocked.Exchange(ref _refreshPending, 1) == 0)
        {
            _ = Task.Run(RefreshBuiltInEndpointsAsync);
        }
    }

    /// <summary>
    /// Serves the executors' built-in endpoints as they are now: a snapshot on the same executors replaces the current
    /// one without draining (see <see cref="ProjectSnapshotBuilder.Refresh"/>), and listeners hear of it like of a reload.
    /// </summary>
    private async Task RefreshBuiltInEndpointsAsync()
    {
        await _reloadLock.WaitAsync().ConfigureAwait(false);
        _refreshing = true;
        try
        {
            Volatile.Write(ref _refreshPending, 0);
            if (_current is not { } current)
            {
                return;
            }

            var next = builder.Refresh(current);
            _current = next;
            NotifySnapshotChanged(next);
        }
        catch (Exception e)
        {
            LogRefreshFailed(logger, e);
        }
        finally
        {
            _refreshing = false;
            _reloadLock.Release();
        }
    }

    private void Notify<TArg>(Action<IProjectSnapshotListener, TArg> notify, TArg argument)
    {
        _listeners ??= [.. services.GetServices<IProjectSnapshotListener>()];
        foreach (var listener in _listeners)
        {
            try
            {
                notify(listener, argument);
            }
            catch (Exception e)
            {
                LogListenerFailed(logger, listener.GetType().Name, e);
            }
        }
    }

    private readonly System.Diagnostics.Metrics.Counter<long> _reloads =
        meter.Meter.CreateCounter<long>("mxcp.reloads_total", "{reload}", "Project reloads, by status (success, error) and profile");

    // 1 while a project is served, with the version, project and profile as attributes (a gauge rather than the
    // reference's start-up counter, so that `mxcp_up` reads as Prometheus' `up` does).
    private System.Diagnostics.Metrics.ObservableGauge<int>? _up;

    /// <summary>Whether a load or reload is running now.</summary>
    public bool IsReloading => _reloadLock.CurrentCount == 0 && !_refreshing;

    private IEnumerable<System.Diagnostics.Metrics.Measurement<int>> UpMeasurements()
    {
        if (_current is not { } snapshot)
        {
            return [];
        }

        return [new(1,
            new KeyValuePair<string, object?>("version", Hosting.MxcpVersion.Value),
            new KeyValuePair<string, object?>("project", snapshot.Config.ProjectName),
            new KeyValuePair<string, object?>("profile", snapshot.Config.Profile))];
    }

    private void RecordReload(ReloadStatus status, string? error)
    {
        _reloads.Add(1, new KeyValuePair<string, object?>("status", status == ReloadStatus.Success ? "success" : "error"),
            new KeyValuePair<string, object?>("profile", _current?.Config.Profile));
        if (status == ReloadStatus.Success && _current is { } loaded)
        {
            LogReloaded(logger, loaded.Config.ProjectName, loaded.Config.Profile, loaded.Endpoints.Count);
        }

        LastReload = DateTimeOffset.UtcNow;
        LastReloadStatus = status;
        LastReloadError = error;
        Notify(static (l, r) => l.OnReloadCompleted(r.status, r.error), (status, error));
    }

    /// <summary>
    /// Retires the snapshot when the host stops. The host has drained the calls by then (see
    /// <see cref="Execution.InFlightCalls"/>), so leases are normally gone; one still held after
    /// <see cref="StopLeaseTimeout"/> does not keep the process alive.
    /// </summary>
    private async Task RetireAsync(ProjectSnapshot snapshot)
    {
        try
        {
            await snapshot.RetireAsync().WaitAsync(StopLeaseTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogStoppedWithLeases(logger, snapshot.ActiveCalls, StopLeaseTimeout.TotalSeconds);
        }

        await snapshot.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>How long a stopping host waits for the last leases of its snapshot.</summary>
    public static readonly TimeSpan StopLeaseTimeout = TimeSpan.FromSeconds(5);

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "The previous project was restored after the failed reload")]
    private static partial void LogRestored(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded project {Project} (profile {Profile}): {Endpoints} endpoints")]
    private static partial void LogLoaded(ILogger logger, string project, string profile, int endpoints);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reloaded project {Project} (profile {Profile}): {Endpoints} endpoints")]
    private static partial void LogReloaded(ILogger logger, string project, string profile, int endpoints);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reloading the project ({Description})")]
    private static partial void LogReloadStarted(ILogger logger, string description);

    [LoggerMessage(Level = LogLevel.Error, Message = "A reload listener ({Listener}) failed; the reload goes on")]
    private static partial void LogListenerFailed(ILogger logger, string listener, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Calls} call(s) still hold the project {Seconds} s after the host stopped them; closing it anyway")]
    private static partial void LogStoppedWithLeases(ILogger logger, int calls, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Serving the changed built-in endpoints failed; the previous ones stay served")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Calls} call(s) still running after {Seconds} s of draining; reloading anyway")]
    private static partial void LogDrainTimedOut(ILogger logger, int calls, double seconds);
}
