using Mxcp.Benchmarks.Harness.LoadGeneration;
using Mxcp.Benchmarks.Harness.Orchestration;
using Mxcp.Benchmarks.Harness.Reporting;

namespace Mxcp.Benchmarks.Tests.Reporting;

public sealed class RatioCalculatorTests
{
    private static RunRecord Run(string mode, string server, int concurrency, double rps, double p50, string workload = "lookup") => new()
    {
        Mode = mode,
        Workload = workload,
        Server = server,
        Concurrency = concurrency,
        Requests = (long)(rps * 3),
        RequestsPerSecond = rps,
        LatencyMs = new LatencyPercentiles(p50, p50, p50, p50, p50, p50),
    };

    [Fact]
    public void Ratios_SameCell_DividesMxcpByThePeer()
    {
        var ratios = RatioCalculator.Ratios([Run(Modes.Stateless, ServerIds.Mxcp, 8, 900, 5), Run(Modes.Stateless, ServerIds.BareSdk, 8, 1000, 4)]);

        var ratio = Assert.Single(ratios);
        Assert.Equal(RatioCalculator.OverBareSdk, ratio.Name);
        Assert.Equal(0.9, ratio.Value, 6);
    }

    [Fact]
    public void Ratios_FailedPeer_IsLeftOut()
    {
        var failed = Run(Modes.Stateless, ServerIds.BareSdk, 8, 0, 0) with { Failure = "did not start" };

        Assert.Empty(RatioCalculator.Ratios([Run(Modes.Stateless, ServerIds.Mxcp, 8, 900, 5), failed]));
    }

    [Fact]
    public void Ratios_PeerWithTooFewRequests_IsLeftOut()
    {
        var slow = Run(Modes.Stateful, ServerIds.TypeScript, 32, 3, 900, "aggregate") with { Requests = 3 };

        Assert.Empty(RatioCalculator.Ratios([Run(Modes.Stateful, ServerIds.Mxcp, 32, 10, 600, "aggregate"), slow]));
    }

    [Fact]
    public void Targets_LookupWithinBudget_LatencyTargetMet()
    {
        RunRecord[] runs =
        [
            Run(Modes.Stateless, ServerIds.Mxcp, 1, 500, 1.2), Run(Modes.Stateful, ServerIds.Mxcp, 1, 500, 1.25),
            Run(Modes.InProcess, ServerIds.DuckDbAlone, 1, 1000, 1.0),
        ];

        var latency = RatioCalculator.Targets(RatioCalculator.Ratios(runs), runs, [])[0];

        Assert.True(latency.Met);
    }

    [Fact]
    public void Targets_MxcpFasterThanDuckDbAlone_VerdictLeftOpen()
    {
        RunRecord[] runs =
        [
            Run(Modes.Stateless, ServerIds.Mxcp, 1, 500, 0.8), Run(Modes.Stateful, ServerIds.Mxcp, 1, 500, 1.25),
            Run(Modes.InProcess, ServerIds.DuckDbAlone, 1, 1000, 1.0),
        ];

        var latency = RatioCalculator.Targets(RatioCalculator.Ratios(runs), runs, [])[0];

        Assert.Null(latency.Met);
        Assert.Contains("disturbed", latency.Measured, StringComparison.Ordinal);
    }

    [Fact]
    public void Targets_OneCellBelowThreshold_ThroughputTargetNotMet()
    {
        RunRecord[] runs =
        [
            Run(Modes.Stateless, ServerIds.Mxcp, 8, 900, 5), Run(Modes.Stateless, ServerIds.BareSdk, 8, 1000, 5),
            Run(Modes.Stateless, ServerIds.Mxcp, 32, 800, 5), Run(Modes.Stateless, ServerIds.BareSdk, 32, 1000, 5),
            Run(Modes.Stateful, ServerIds.Mxcp, 8, 900, 5), Run(Modes.Stateful, ServerIds.BareSdk, 8, 1000, 5),
            Run(Modes.Stateful, ServerIds.Mxcp, 32, 900, 5), Run(Modes.Stateful, ServerIds.BareSdk, 32, 1000, 5),
        ];

        var target = RatioCalculator.Targets(RatioCalculator.Ratios(runs), runs, [])[1];

        Assert.False(target.Met);
        Assert.Contains("stateless c=32: 80%", target.Measured, StringComparison.Ordinal);
    }
}
