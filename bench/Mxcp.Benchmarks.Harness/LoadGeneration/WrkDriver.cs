using Mxcp.Benchmarks.Harness.Workloads;

namespace Mxcp.Benchmarks.Harness.LoadGeneration;

/// <summary>
/// Windows of one wrk process each, POSTing the same request: without <paramref name="sessions"/> (the stateless
/// modes) on fresh keep-alive connections, with them one initialized session per connection, kept across windows.
/// </summary>
internal sealed class WrkDriver(
    WrkRunner wrk, string server, int serverPid, Uri url, McpRequest request, string expect, int windowSeconds, McpSessions? sessions = null) : IWindowDriver
{
    public string Server => server;

    public int ServerPid => serverPid;

    public async Task WarmUpAsync(int concurrency, TimeSpan length, CancellationToken cancellationToken) =>
        await wrk.RunAsync(
            url, request, expect, concurrency, Math.Max(1, (int)Math.Round(length.TotalSeconds)), serverPid, await SessionsAsync(concurrency, cancellationToken), cancellationToken);

    public Task<MeasuredWindow> MeasureAsync(int concurrency, CancellationToken cancellationToken) => MeasureAsync(concurrency, windowSeconds, cancellationToken);

    /// <summary>One window of <paramref name="seconds"/> instead of the workload's window length (paired rounds).</summary>
    public async Task<MeasuredWindow> MeasureAsync(int concurrency, int seconds, CancellationToken cancellationToken) =>
        await wrk.RunAsync(url, request, expect, concurrency, seconds, serverPid, await SessionsAsync(concurrency, cancellationToken), cancellationToken);

    public ValueTask DisposeAsync() => sessions?.DisposeAsync() ?? ValueTask.CompletedTask;

    private async Task<IReadOnlyList<string>?> SessionsAsync(int concurrency, CancellationToken cancellationToken) =>
        sessions is null ? null : await sessions.TakeAsync(concurrency, cancellationToken);
}
