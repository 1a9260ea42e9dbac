namespace Mxcp.Benchmarks.Harness.LoadGeneration;

/// <summary>
/// What one measured window of a load generator reports: the result line that <c>bench/wrk/mcp-post.lua</c> and the
/// <c>duckdb-alone</c> command print (<see cref="LoadResultParser"/>; reports before 2026-12-06 also hold lines of
/// the former <c>loadgen</c> client generator, <c>mcp-client</c>).
/// </summary>
internal sealed record LoadResult
{
    /// <summary><c>wrk</c>, <c>in-process</c>, or in earlier reports <c>mcp-client</c>.</summary>
    public required string Generator { get; init; }

    /// <summary>Connections (wrk; sessions too in the stateful mode) or concurrent callers (in-process).</summary>
    public required int Concurrency { get; init; }

    /// <summary>Requests completed inside the window.</summary>
    public required long Requests { get; init; }

    /// <summary>The length of the measured window.</summary>
    public required double DurationSeconds { get; init; }

    public required LatencyPercentiles LatencyMs { get; init; }

    public required ErrorCounts Errors { get; init; }

    /// <summary>Response bytes read (wrk: including HTTP headers), when the generator knows them.</summary>
    public long Bytes { get; init; }

    /// <summary>CPU time the generator itself used inside the window, when it measures that itself.</summary>
    public double? GeneratorCpuSeconds { get; init; }

    public double RequestsPerSecond => DurationSeconds > 0 ? Requests / DurationSeconds : 0;
}

/// <summary>Latency of the requests of one window, in milliseconds.</summary>
internal sealed record LatencyPercentiles(double Mean, double P50, double P90, double P95, double P99, double Max)
{
    public static readonly LatencyPercentiles None = new(0, 0, 0, 0, 0, 0);

    /// <summary>Nearest-rank percentiles of <paramref name="milliseconds"/>, which this method sorts in place.</summary>
    public static LatencyPercentiles From(double[] milliseconds)
    {
        if (milliseconds.Length == 0)
        {
            return None;
        }

        Array.Sort(milliseconds);
        double At(double percentile)
        {
            var rank = (int)Math.Ceiling(percentile / 100 * milliseconds.Length);
            return milliseconds[Math.Clamp(rank - 1, 0, milliseconds.Length - 1)];
        }

        return new LatencyPercentiles(milliseconds.Average(), At(50), At(90), At(95), At(99), milliseconds[^1]);
    }
}

/// <summary>
/// Failed requests by kind: socket errors (connect, read, write, timeout), HTTP statuses other than 2xx, and answers
/// whose body was not the expected result (a JSON-RPC error, <c>isError</c>, or missing the expected value).
/// </summary>
internal sealed record ErrorCounts(long Connect, long Read, long Write, long Timeout, long Status, long Body)
{
    public static readonly ErrorCounts None = new(0, 0, 0, 0, 0, 0);

    public long Total => Connect + Read + Write + Timeout + Status + Body;
}
