using Mxcp.Benchmarks.Harness.LoadGeneration;

namespace Mxcp.Benchmarks.Harness.Reporting;

/// <summary>One measured window: one server, one workload, one concurrency, one mode.</summary>
internal sealed record RunRecord
{
    public required string Mode { get; init; }

    public required string Workload { get; init; }

    public required string Server { get; init; }

    public required int Concurrency { get; init; }

    public string Generator { get; init; } = "";

    public long Requests { get; init; }

    /// <summary>Of the median window (by throughput) when the cell was measured more than once.</summary>
    public double RequestsPerSecond { get; init; }

    /// <summary>How many interleaved windows the cell had; the figures are those of the median one.</summary>
    public int Windows { get; init; } = 1;

    /// <summary>The lowest and highest throughput of the cell's windows (the spread the noise caused).</summary>
    public double RequestsPerSecondMin { get; init; }

    public double RequestsPerSecondMax { get; init; }

    public LatencyPercentiles LatencyMs { get; init; } = LatencyPercentiles.None;

    public ErrorCounts Errors { get; init; } = ErrorCounts.None;

    /// <summary>Server CPU seconds per second over the window (process tree).</summary>
    public double ServerCpuCores { get; init; }

    public double ServerPeakRssMb { get; init; }

    public double? GeneratorCpuCores { get; init; }

    /// <summary>CPU used by everything else on the machine during the window (other builds and tests).</summary>
    public double OtherCpuCores { get; init; }

    public double LoadAverage { get; init; }

    /// <summary>The size of one answer body, from the check request before the run.</summary>
    public long? ResponseBytes { get; init; }

    /// <summary>The generator used at least 85% of the CPUs it was pinned to: the numbers may be its limit, not the server's.</summary>
    public bool GeneratorBound { get; init; }

    /// <summary>Why there is no measurement (the server did not start, answered wrongly, ...).</summary>
    public string? Failure { get; init; }

    public bool Succeeded => Failure is null;

    /// <summary>
    /// Fewer than <see cref="MinimumRequests"/> requests completed in the window (slow calls at high concurrency in a
    /// short window): too few for percentiles or ratios, so the ratios leave the cell out.
    /// </summary>
    public bool TooFewRequests => Succeeded && Requests < MinimumRequests;

    /// <summary>The workload's minimum number of requests per window (<see cref="DefaultMinimumRequests"/> unless it sets one).</summary>
    public int MinimumRequests { get; init; } = DefaultMinimumRequests;

    public const int DefaultMinimumRequests = 10;
}
