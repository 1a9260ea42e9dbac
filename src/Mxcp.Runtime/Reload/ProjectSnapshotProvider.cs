using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mxcp.Runtime.Endpoints;

namespace Mxcp.Runtime.Reload;

/// <summary>
/// Hands out the current <see cref="ProjectSnapshot"/> and swaps it atomically on reload (the YARP config-provider
/// pattern): a call holds the snapshot it started with; a failed reload keeps the last good snapshot.
/// </summary>
internal sealed partial class ProjectSnapshotProvider(
    ProjectSnapshotBuilder builder,
    IOptions<MxcpOptions> options,
    ILogger<ProjectSnapshotProvider> logger) : IAsyncDisposable
{
    private readonly SemaphoreSlim _reloadLock = new(1, 1);
    private volatile ProjectSnapshot? _current;

    /// <summary>Raised after a new snapshot became current (initial load and successful reloads).</summary>
    public event Action<ProjectSnapshot>? SnapshotChanged;

    public ProjectSnapshot? Current => _current;

    public DateTimeOffset? LastReload { get; private set; }

    /// <summary><c>success</c> or <c>error</c> after a reload; <see langword="null"/> before the first.</summary>
    public string? LastReloadStatus { get; private set; }

    public string? LastReloadError { get; private set; }

    /// <summary>Leases the current snapshot.</summary>
    public SnapshotLease Acquire()
    {
        while (true)
        {
            var snapshot = _current ?? throw new InvalidOperationException("The MXCP project is not loaded yet.");
            if (snapshot.TryAcquire())
            {
                return new SnapshotLease(snapshot);
            }
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
    /// Builds a new snapshot from disk and makes it current. On failure the current snapshot stays and the error is
    /// recorded. Endpoint files with errors are skipped (and reported) rather than failing the reload.
    /// </summary>
    public async Task<bool> ReloadAsync(CancellationToken cancellationToken)
    {
        await _reloadLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ProjectSnapshot snapshot;
            try
            {
                snapshot = await builder.BuildAsync(options.Value, SnapshotBuildMode.Full, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LastReload = DateTimeOffset.UtcNow;
                LastReloadStatus = "error";
                LastReloadError = e.Message;
                LogReloadFailed(logger, e.Message);
                return false;
            }

            foreach (var problem in snapshot.Problems)
            {
                LogSkippedEndpoint(logger, problem.Message);
            }

            await SwapAsync(snapshot).ConfigureAwait(false);
            LastReload = DateTimeOffset.UtcNow;
            LastReloadStatus = "success";
            LastReloadError = null;
            return true;
        }
        finally
        {
            _reloadLock.Release();
        }
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Reload failed; still serving the previous project snapshot: {Error}")]
    private static partial void LogReloadFailed(ILogger logger, string error);
}
