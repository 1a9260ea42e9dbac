namespace Mxcp.Abstractions;

/// <summary>
/// Asks the host to reload the project: drain the calls in flight, close the executors (and so the database),
/// optionally run a payload while everything is closed (for example to swap the DuckDB file), then load the
/// project again from disk. Reloads are queued and run one at a time. Resolve it from
/// <see cref="ProjectRuntimeContext.Services"/>.
/// </summary>
public interface IProjectReloader
{
    /// <summary>Queues a reload and completes when it has run.</summary>
    /// <param name="description">Why the reload happens, for logs and status (e.g. <c>reload_duckdb from refresh_data</c>).</param>
    /// <param name="payload">Runs after the executors are closed and before the project is loaded again; may be <see langword="null"/>.</param>
    /// <param name="cancellationToken">Stops waiting (the reload itself still runs).</param>
    /// <returns><see langword="true"/> when the new project is serving; <see langword="false"/> when the reload failed and the previous state was kept or restored.</returns>
    Task<bool> ReloadAsync(string description, Func<CancellationToken, Task>? payload = null, CancellationToken cancellationToken = default);

    /// <summary>Why the last reload failed (the first problem found, naming its file); <see langword="null"/> after a reload that succeeded, or before any.</summary>
    string? LastReloadError => null;
}
