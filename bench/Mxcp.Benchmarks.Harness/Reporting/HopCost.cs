using Mxcp.Benchmarks.Harness.Orchestration;

namespace Mxcp.Benchmarks.Harness.Reporting;

/// <summary>One cell measured both directly (mxcp) and through the gateway in front of it (mxcp-hop).</summary>
internal sealed record HopCost(string Workload, int Concurrency, RunRecord Direct, RunRecord Hop)
{
    /// <summary>Both windows succeeded with enough requests for percentiles.</summary>
    public bool Measured => Direct.Succeeded && Hop.Succeeded && !Direct.TooFewRequests && !Hop.TooFewRequests;

    /// <summary>The median latency the hop added, in milliseconds.</summary>
    public double AddedP50Ms => Hop.LatencyMs.P50 - Direct.LatencyMs.P50;

    /// <summary>The gateway's throughput over the direct server's.</summary>
    public double ThroughputRatio => Direct.RequestsPerSecond > 0 ? Hop.RequestsPerSecond / Direct.RequestsPerSecond : 0;

    /// <summary>The stateless cells that have both an mxcp-hop and an mxcp window, by workload then concurrency.</summary>
    public static IReadOnlyList<HopCost> Of(IReadOnlyList<RunRecord> runs) =>
        [.. runs.Where(r => r.Mode == Modes.Stateless && r.Server == ServerIds.MxcpHop)
            .Select(hop => (Hop: hop, Direct: RatioCalculator.Find(runs, hop.Mode, hop.Workload, ServerIds.Mxcp, hop.Concurrency)))
            .Where(p => p.Direct is not null)
            .Select(p => new HopCost(p.Hop.Workload, p.Hop.Concurrency, p.Direct!, p.Hop))
            .OrderBy(c => c.Workload, StringComparer.Ordinal).ThenBy(c => c.Concurrency)];
}
