using Mxcp.Benchmarks.Harness.Workloads;

namespace Mxcp.Benchmarks.Harness.LoadGeneration;

/// <summary>Stateless windows: one wrk process per window, POSTing the same request.</summary>
internal sealed class WrkDriver(WrkRunner wrk, string server, int serverPid, Uri url, McpRequest request, string expect, int windowSeconds) : IWindowDriver
{
    public string Server => server;

    public int ServerPid => serverPid;

    public Task WarmUpAsync(int concurrency, TimeSpan length, CancellationToken cancellationToken) =>
        wrk.RunAsync(url, request, expect, concurrency, Math.Max(1, (int)Math.Round(length.TotalSeconds)), serverPid, cancellationToken);

    public Task<MeasuredWindow> MeasureAsync(int concurrency, CancellationToken cancellationToken) =>
        wrk.RunAsync(url, request, expect, concurrency, windowSeconds, serverPid, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
