using Mxcp.Benchmarks.Harness.Orchestration;
using Mxcp.Benchmarks.Harness.Reporting;
using static Mxcp.Benchmarks.Tests.Reporting.RatioCalculatorTests;

namespace Mxcp.Benchmarks.Tests.Reporting;

public sealed class AuditCostTests
{
    private static RunRecord Saturated(string server, int concurrency, double rps, string workload, double cpu = 1.0) =>
        Run(Modes.Stateless, server, concurrency, rps, 2, workload) with { ServerCpuCores = cpu };

    private static RunRecord[] FourCells(double auditedTrivial8) =>
    [
        Saturated(ServerIds.Mxcp, 8, 5000, "trivial"), Saturated(ServerIds.MxcpAudit, 8, auditedTrivial8, "trivial"),
        Saturated(ServerIds.Mxcp, 32, 5000, "trivial"), Saturated(ServerIds.MxcpAudit, 32, 4900, "trivial"),
        Saturated(ServerIds.Mxcp, 8, 1250, "lookup"), Saturated(ServerIds.MxcpAudit, 8, 1250, "lookup"),
        Saturated(ServerIds.Mxcp, 32, 1250, "lookup"), Saturated(ServerIds.MxcpAudit, 32, 1225, "lookup"),
    ];

    [Fact]
    public void Of_AuditedAndUnauditedInTheSameCell_CpuPerCallOfEach()
    {
        var cell = Assert.Single(AuditCost.Of([
            Saturated(ServerIds.Mxcp, 8, 5000, "trivial", 0.98),
            Saturated(ServerIds.MxcpAudit, 8, 4000, "trivial", 0.84),
            Saturated(ServerIds.Mxcp, 32, 5000, "trivial"),
            Run(Modes.Stateful, ServerIds.Mxcp, 8, 4000, 2, "trivial") with { ServerCpuCores = 1 },
        ]));

        Assert.True(cell.Measured);
        Assert.Equal(196, cell.OffCpuPerCallUs, 6);
        Assert.Equal(210, cell.OnCpuPerCallUs, 6);
        Assert.Equal(210.0 / 196, cell.CpuRatio, 6);
        Assert.Equal(0.8, cell.ThroughputRatio, 6);
    }

    [Fact]
    public void Of_FailedAuditedServer_NotMeasured()
    {
        var cell = Assert.Single(AuditCost.Of([
            Saturated(ServerIds.Mxcp, 8, 5000, "trivial"),
            Run(Modes.Stateless, ServerIds.MxcpAudit, 8, 0, 0, "trivial") with { Failure = "did not start" },
        ]));

        Assert.False(cell.Measured);
    }

    [Theory]
    [InlineData(4800, true)]
    [InlineData(4700, false)]
    public void Targets_AuditOnAgainstOff_MetWhenEveryCellCostsAtMostFivePercentMoreCpuPerCall(double auditedTrivial8, bool met)
    {
        var runs = FourCells(auditedTrivial8);

        var target = Assert.Single(RatioCalculator.Targets(RatioCalculator.Ratios(runs), runs, []), t => t.Target.StartsWith("Audit on against off", StringComparison.Ordinal));

        Assert.Equal(met, target.Met);
        Assert.Contains("trivial c=32: 204 us vs 200 us (+2.0%); lookup c=8: 800 us vs 800 us (+0.0%); lookup c=32: 816 us vs 800 us (+2.0%)", target.Measured, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4900, true)]
    [InlineData(4600, false)]
    public void Targets_AuditMissWhoseWindowsOverlap_NamedWithinTheSpreadAndStillNotMet(double auditedFastestWindow, bool withinSpread)
    {
        var runs = FourCells(4500);
        runs[0] = runs[0] with { Windows = 3, RequestsPerSecondMin = 4920, RequestsPerSecondMax = 5400 };
        runs[1] = runs[1] with { Windows = 3, RequestsPerSecondMin = 4300, RequestsPerSecondMax = auditedFastestWindow };

        var target = Assert.Single(RatioCalculator.Targets(RatioCalculator.Ratios(runs), runs, []), t => t.Target.StartsWith("Audit on against off", StringComparison.Ordinal));

        Assert.False(target.Met);
        Assert.StartsWith("trivial c=8: 222 us vs 200 us (+11.1%);", target.Measured, StringComparison.Ordinal);
        Assert.Equal(withinSpread, target.Measured.EndsWith(
            " - in trivial c=8 the audited server's fastest window came within 5% of the unaudited one's slowest: the miss is within the spread of this run's windows",
            StringComparison.Ordinal));
    }

    private static AuditRounds Rounds(string workload, int concurrency, params double[] ratios) =>
        new(workload, concurrency, [.. ratios.Select(_ => 200.0)], [.. ratios.Select(r => 200.0 * r)]);

    [Fact]
    public void AuditRounds_RatiosPerRound_MedianAndQuartilesInterpolated()
    {
        var rounds = new AuditRounds("trivial", 8, [100, 200, 100, 100, 400], [110, 190, 104, 130, 400]);

        Assert.Equal([1.1, 0.95, 1.04, 1.3, 1.0], rounds.Ratios);
        Assert.Equal(1.04, rounds.MedianRatio, 9);
        Assert.Equal(1.0, rounds.LowerQuartileRatio, 9);
        Assert.Equal(1.1, rounds.UpperQuartileRatio, 9);
        Assert.Equal(100, rounds.MedianOffCpuPerCallUs);
        Assert.Equal(130, rounds.MedianOnCpuPerCallUs);
        Assert.True(rounds.Measured);
        Assert.Equal(2.5, AuditRounds.Quantile([1, 2, 3, 4], 0.5), 9);
    }

    [Fact]
    public void AuditRounds_TooFewOrFailed_NotMeasured()
    {
        Assert.False(Rounds("trivial", 8, 1.0, 1.0, 1.0, 1.0).Measured);
        Assert.False((Rounds("trivial", 8, 1.0, 1.0, 1.0, 1.0, 1.0) with { Failure = "round 6: mxcp-audit answered 0 calls with 3 errors" }).Measured);
    }

    [Theory]
    [InlineData(1.04, true)]
    [InlineData(1.06, false)]
    public void Targets_PairedRounds_JudgedByTheirMedianOverTheWindows(double median, bool met)
    {
        // The windows alone would miss trivial c=8 (+11.1 %); the rounds decide.
        var runs = FourCells(4500);
        AuditRounds[] rounds = [Rounds("trivial", 8, 0.98, median, median, 1.2, 1.01)];

        var target = Assert.Single(
            RatioCalculator.Targets(RatioCalculator.Ratios(runs), runs, [], auditRounds: rounds), t => t.Target.StartsWith("Audit on against off", StringComparison.Ordinal));

        Assert.Equal(met, target.Met);
        var pct = (median - 1).ToString("+0.0%", System.Globalization.CultureInfo.InvariantCulture);
        Assert.StartsWith($"trivial c=8: {pct} (median of 5 paired rounds, quartiles +1.0% / {pct}); windows 222 us vs 200 us (+11.1%); trivial c=32: 204 us vs 200 us (+2.0%);", target.Measured, StringComparison.Ordinal);
        Assert.DoesNotContain("within the spread", target.Measured, StringComparison.Ordinal);
    }

    [Fact]
    public void Targets_PairedRoundsTooFew_WindowsDecide()
    {
        var runs = FourCells(4500);

        var target = Assert.Single(
            RatioCalculator.Targets(RatioCalculator.Ratios(runs), runs, [], auditRounds: [Rounds("trivial", 8, 1.0, 1.0)]), t => t.Target.StartsWith("Audit on against off", StringComparison.Ordinal));

        Assert.False(target.Met);
        Assert.StartsWith("trivial c=8: 222 us vs 200 us (+11.1%);", target.Measured, StringComparison.Ordinal);
    }

    [Fact]
    public void Targets_NoAuditedWindows_LeftOpen()
    {
        RunRecord[] runs = [Saturated(ServerIds.Mxcp, 8, 5000, "trivial")];

        var target = Assert.Single(RatioCalculator.Targets(RatioCalculator.Ratios(runs), runs, []), t => t.Target.StartsWith("Audit on against off", StringComparison.Ordinal));

        Assert.Null(target.Met);
        Assert.StartsWith("trivial c=8: not measured;", target.Measured, StringComparison.Ordinal);
    }

    [Fact]
    public void Ratios_AuditedWindows_NotTakenForAPeer()
    {
        Assert.Empty(RatioCalculator.Ratios([Saturated(ServerIds.Mxcp, 8, 5000, "trivial"), Saturated(ServerIds.MxcpAudit, 8, 4000, "trivial")]));
    }
}
