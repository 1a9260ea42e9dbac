namespace Mxcp.Benchmarks.Harness.LoadGeneration;

/// <summary>
/// Drives one server (or DuckDB alone) for one workload: a warm-up, then measured windows at the concurrencies the
/// scheduler asks for, in whatever order (windows of different servers are interleaved).
/// </summary>
internal interface IWindowDriver : IAsyncDisposable
{
    /// <summary>The server id the windows belong to.</summary>
    string Server { get; }

    /// <summary>The process whose CPU and RSS are the server's figures (a server, or DuckDB alone's own process).</summary>
    int ServerPid { get; }

    Task WarmUpAsync(int concurrency, TimeSpan length, CancellationToken cancellationToken);

    Task<MeasuredWindow> MeasureAsync(int concurrency, CancellationToken cancellationToken);
}

/// <summary>A generator's result for one window and what /proc showed meanwhile.</summary>
internal sealed record MeasuredWindow(LoadResult Load, Measurement.RunMeasurement Measurement)
{
    /// <summary>The generator's CPU per second: its own account when its result line carries one (earlier reports' client generator), else /proc's (wrk).</summary>
    public double? GeneratorCpuCores => Load.GeneratorCpuSeconds is { } seconds ? seconds / Load.DurationSeconds : Measurement.GeneratorCpuCores;
}
