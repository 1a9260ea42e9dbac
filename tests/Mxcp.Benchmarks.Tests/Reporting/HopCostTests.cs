using Mxcp.Benchmarks.Harness.Orchestration;
using Mxcp.Benchmarks.Harness.Reporting;
using static Mxcp.Benchmarks.Tests.Reporting.RatioCalculatorTests;

namespace Mxcp.Benchmarks.Tests.Reporting;

public sealed class HopCostTests
{
    [Fact]
    public void Of_HopAndDirectInTheSameCell_AddedLatencyAndThroughputRatio()
    {
        var cell = Assert.Single(HopCost.Of([
            Run(Modes.Stateless, ServerIds.Mxcp, 1, 800, 1.25),
            Run(Modes.Stateless, ServerIds.MxcpHop, 1, 400, 2.5),
            Run(Modes.Stateless, ServerIds.Mxcp, 8, 1600, 5),
            Run(Modes.Stateful, ServerIds.Mxcp, 1, 700, 1.4),
        ]));

        Assert.True(cell.Measured);
        Assert.Equal(1, cell.Concurrency);
        Assert.Equal(1.25, cell.AddedP50Ms, 6);
        Assert.Equal(0.5, cell.ThroughputRatio, 6);
    }

    [Fact]
    public void Of_FailedHop_NotMeasured()
    {
        var cell = Assert.Single(HopCost.Of([
            Run(Modes.Stateless, ServerIds.Mxcp, 1, 800, 1.25),
            Run(Modes.Stateless, ServerIds.MxcpHop, 1, 0, 0) with { Failure = "the check request was not answered" },
        ]));

        Assert.False(cell.Measured);
    }

    [Fact]
    public void Ratios_HopWindows_NotTakenForAPeer()
    {
        Assert.Empty(RatioCalculator.Ratios([Run(Modes.Stateless, ServerIds.Mxcp, 1, 800, 1.25), Run(Modes.Stateless, ServerIds.MxcpHop, 1, 400, 2.5)]));
    }
}
