using Mxcp.Benchmarks.Harness.LoadGeneration;
using Mxcp.Benchmarks.Harness.Orchestration;
using Mxcp.Benchmarks.Harness.Reporting;

namespace Mxcp.Benchmarks.Tests.Reporting;

public sealed class RatioCalculatorTests
{
    /// <summary>A measured window with the given throughput and a flat latency distribution at <paramref name="p50"/>.</summary>
    internal static RunRecord Run(string mode, string server, int concurrency, double rps, double p50, string workload = "lookup") => new()
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

        var target = Assert.Single(RatioCalculator.Targets(RatioCalculator.Ratios(runs), runs, []), t => t.Target.Contains("bare SDK", StringComparison.Ordinal));

        Assert.False(target.Met);
        Assert.Contains("stateless c=32: 80%", target.Measured, StringComparison.Ordinal);
    }

    [Fact]
    public void Targets_TypeScriptCellsUnderTheDuckDbCeiling_ShowTheCeilingAndStayNotMet()
    {
        RunRecord[] runs =
        [
            Run(Modes.Stateless, ServerIds.Mxcp, 8, 2000, 4), Run(Modes.Stateless, ServerIds.TypeScript, 8, 500, 16),
            Run(Modes.Stateless, ServerIds.Mxcp, 32, 2000, 16), Run(Modes.Stateless, ServerIds.TypeScript, 32, 500, 64),
            Run(Modes.Stateful, ServerIds.Mxcp, 8, 1600, 5), Run(Modes.Stateful, ServerIds.TypeScript, 8, 700, 11),
            Run(Modes.Stateful, ServerIds.Mxcp, 32, 1500, 21), Run(Modes.Stateful, ServerIds.TypeScript, 32, 600, 53),
            Run(Modes.InProcess, ServerIds.DuckDbAlone, 8, 1700, 4.7), Run(Modes.InProcess, ServerIds.DuckDbAlone, 32, 1900, 17),
        ];

        var target = Assert.Single(RatioCalculator.Targets(RatioCalculator.Ratios(runs), runs, []), t => t.Target.Contains("TypeScript", StringComparison.Ordinal));

        Assert.False(target.Met);
        Assert.Contains("stateless c=8: 4.0x (DuckDB alone 3.4x)", target.Measured, StringComparison.Ordinal);
        Assert.Contains("stateful c=8: 2.3x (DuckDB alone 2.4x)", target.Measured, StringComparison.Ordinal);
        Assert.Contains("stateful c=32: 2.5x (DuckDB alone 3.2x)", target.Measured, StringComparison.Ordinal);
        Assert.EndsWith("stays under the target in stateful c=8, so no server using DuckDB can meet that cell here", target.Measured, StringComparison.Ordinal);
    }

    [Fact]
    public void Targets_TypeScriptCellsWithoutDuckDbAlone_NoCeilingNamed()
    {
        RunRecord[] runs = [Run(Modes.Stateful, ServerIds.Mxcp, 8, 1600, 5), Run(Modes.Stateful, ServerIds.TypeScript, 8, 700, 11)];

        var target = Assert.Single(RatioCalculator.Targets(RatioCalculator.Ratios(runs), runs, []), t => t.Target.Contains("TypeScript", StringComparison.Ordinal));

        Assert.False(target.Met);
        Assert.Contains("stateful c=8: 2.3x;", target.Measured, StringComparison.Ordinal);
        Assert.DoesNotContain("DuckDB alone", target.Measured, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(9828, true)]
    [InlineData(8400, false)]
    public void Targets_MissWhoseWindowsOverlapThePeers_NamedWithinTheSpreadAndStillNotMet(double mxcpFastestWindow, bool withinSpread)
    {
        RunRecord Windows(RunRecord run, double min, double max) => run with { Windows = 3, RequestsPerSecondMin = min, RequestsPerSecondMax = max };
        RunRecord[] runs =
        [
            Windows(Run(Modes.Stateless, ServerIds.Mxcp, 8, 9475, 0.76, "trivial"), 8144, mxcpFastestWindow),
            Windows(Run(Modes.Stateless, ServerIds.Toolbox, 8, 9768, 0.70, "trivial"), 8511, 9791),
            Windows(Run(Modes.Stateless, ServerIds.Mxcp, 32, 9081, 3.31, "trivial"), 7758, 10928),
            Windows(Run(Modes.Stateless, ServerIds.Toolbox, 32, 7661, 3.79, "trivial"), 7016, 8218),
        ];

        var target = Assert.Single(RatioCalculator.Targets(RatioCalculator.Ratios(runs), runs, []), t => t.Target.Contains("MCP Toolbox", StringComparison.Ordinal));

        Assert.False(target.Met);
        Assert.StartsWith("stateless c=8: 0.97x; stateless c=32: 1.19x;", target.Measured, StringComparison.Ordinal);
        Assert.Equal(withinSpread, target.Measured.EndsWith(
            " - in stateless c=8 Mxcp's fastest window reached the target over the peer's slowest: the miss is within the spread of this run's windows",
            StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(3000, true)]
    [InlineData(2900, false)]
    public void Targets_TrivialToolAgainstToolbox_MetWhenNoCellIsSlower(double statefulMxcp, bool met)
    {
        RunRecord[] runs =
        [
            Run(Modes.Stateless, ServerIds.Mxcp, 8, 3300, 2, "trivial"), Run(Modes.Stateless, ServerIds.Toolbox, 8, 3000, 2, "trivial"),
            Run(Modes.Stateless, ServerIds.Mxcp, 32, 4300, 7, "trivial"), Run(Modes.Stateless, ServerIds.Toolbox, 32, 3000, 10, "trivial"),
            Run(Modes.Stateful, ServerIds.Mxcp, 8, statefulMxcp, 2, "trivial"), Run(Modes.Stateful, ServerIds.Toolbox, 8, 3000, 2, "trivial"),
            Run(Modes.Stateful, ServerIds.Mxcp, 32, 3900, 8, "trivial"), Run(Modes.Stateful, ServerIds.Toolbox, 32, 3000, 10, "trivial"),
            Run(Modes.Stateless, ServerIds.Mxcp, 8, 100, 2), Run(Modes.Stateless, ServerIds.Toolbox, 8, 1000, 2),
        ];

        var target = Assert.Single(RatioCalculator.Targets(RatioCalculator.Ratios(runs), runs, []), t => t.Target.Contains("MCP Toolbox", StringComparison.Ordinal));

        Assert.Equal(met, target.Met);
        Assert.Contains("stateless c=32: 1.43x", target.Measured, StringComparison.Ordinal);
    }

    private static PeerRounds Rounds(string mode, string workload, string peer, int concurrency, params double[] ratios) =>
        new(mode, workload, concurrency, peer, [.. ratios.Select(r => 1000.0 * r)], [.. ratios.Select(_ => 1000.0)]);

    [Fact]
    public void PeerRounds_RatiosPerRound_MedianQuartilesAndRates()
    {
        var rounds = new PeerRounds(Modes.Stateful, "trivial", 8, ServerIds.Toolbox, [5200, 6000, 6600, 4800, 7000], [5000, 6000, 6000, 5000, 7000]);

        Assert.Equal([1.04, 1.0, 1.1, 0.96, 1.0], rounds.Ratios);
        Assert.Equal(1.0, rounds.MedianRatio, 9);
        Assert.Equal(1.0, rounds.LowerQuartileRatio, 9);
        Assert.Equal(1.04, rounds.UpperQuartileRatio, 9);
        Assert.Equal(6000, rounds.MedianMxcpRequestsPerSecond);
        Assert.Equal(6000, rounds.MedianPeerRequestsPerSecond);
        Assert.True(rounds.Measured);
        Assert.False(Rounds(Modes.Stateful, "trivial", ServerIds.Toolbox, 8, 1.1, 1.1, 1.1, 1.1).Measured);
        Assert.False((rounds with { Failure = "round 3: toolbox answered 0 calls with 2 errors" }).Measured);
    }

    [Theory]
    [InlineData(1.02, true)]
    [InlineData(0.97, false)]
    public void Targets_PeerCellInPairedRounds_JudgedByTheirMedianOverTheWindows(double median, bool met)
    {
        // The windows alone miss stateful c=8 (0.97x); the rounds decide that cell, the others keep their windows.
        RunRecord[] runs =
        [
            Run(Modes.Stateless, ServerIds.Mxcp, 8, 3300, 2, "trivial"), Run(Modes.Stateless, ServerIds.Toolbox, 8, 3000, 2, "trivial"),
            Run(Modes.Stateless, ServerIds.Mxcp, 32, 4300, 7, "trivial"), Run(Modes.Stateless, ServerIds.Toolbox, 32, 3000, 10, "trivial"),
            Run(Modes.Stateful, ServerIds.Mxcp, 8, 2910, 2, "trivial") with { Windows = 3, RequestsPerSecondMin = 2800, RequestsPerSecondMax = 3100 },
            Run(Modes.Stateful, ServerIds.Toolbox, 8, 3000, 2, "trivial") with { Windows = 3, RequestsPerSecondMin = 2900, RequestsPerSecondMax = 3200 },
            Run(Modes.Stateful, ServerIds.Mxcp, 32, 3900, 8, "trivial"), Run(Modes.Stateful, ServerIds.Toolbox, 32, 3000, 10, "trivial"),
        ];
        PeerRounds[] rounds =
        [
            Rounds(Modes.Stateful, "trivial", ServerIds.Toolbox, 8, 0.9, median, median, 1.1, 1.2),
            Rounds(Modes.Stateful, "lookup", ServerIds.TypeScript, 32, 0.5, 0.5, 0.5, 0.5, 0.5),
            Rounds(Modes.Stateless, "trivial", ServerIds.Toolbox, 32, 0.5, 0.5, 0.5, 0.5) with { Failure = "round 5: toolbox: timed out" },
        ];

        var target = Assert.Single(
            RatioCalculator.Targets(RatioCalculator.Ratios(runs), runs, [], peerRounds: rounds), t => t.Target.Contains("MCP Toolbox", StringComparison.Ordinal));

        Assert.Equal(met, target.Met);
        var m = median.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(
            $"stateless c=8: 1.10x; stateless c=32: 1.43x; stateful c=8: {m}x (median of 5 paired rounds, quartiles {m}x / 1.10x; windows 0.97x); stateful c=32: 1.30x",
            target.Measured);
    }

    [Fact]
    public void Targets_LookupInPairedRounds_CeilingStillNamesABoundedCell()
    {
        RunRecord[] runs =
        [
            Run(Modes.Stateful, ServerIds.Mxcp, 8, 1500, 5), Run(Modes.Stateful, ServerIds.TypeScript, 8, 600, 13),
            Run(Modes.InProcess, ServerIds.DuckDbAlone, 8, 1680, 4),
        ];
        PeerRounds[] rounds = [Rounds(Modes.Stateful, "lookup", ServerIds.TypeScript, 8, 2.6, 2.7, 2.7, 2.8, 2.9)];

        var target = Assert.Single(
            RatioCalculator.Targets(RatioCalculator.Ratios(runs), runs, [], peerRounds: rounds), t => t.Target.Contains("TypeScript", StringComparison.Ordinal));

        Assert.False(target.Met);
        Assert.Contains("stateful c=8: 2.7x (median of 5 paired rounds, quartiles 2.7x / 2.8x; windows 2.5x) (DuckDB alone 2.8x)", target.Measured, StringComparison.Ordinal);
        Assert.EndsWith("stays under the target in stateful c=8, so no server using DuckDB can meet that cell here", target.Measured, StringComparison.Ordinal);
    }

    [Fact]
    public void Targets_LargeResult_TimeAgainstDuckDbAndRssOverStartedBothChecked()
    {
        RunRecord[] runs =
        [
            Run(Modes.Stateless, ServerIds.Mxcp, 1, 5, 300, "rows100k") with { ServerPeakRssMb = 260 },
            Run(Modes.Stateful, ServerIds.Mxcp, 1, 4, 450, "rows100k") with { ServerPeakRssMb = 300 },
            Run(Modes.InProcess, ServerIds.DuckDbAlone, 1, 10, 200, "rows100k"),
        ];
        ServerInfo[] servers = [new(ServerIds.Mxcp, Modes.Stateless, "", 120, null), new(ServerIds.Mxcp, Modes.Stateful, "", 120, null)];

        var targets = RatioCalculator.Targets(RatioCalculator.Ratios(runs), runs, [], servers);
        var time = Assert.Single(targets, t => t.Target.StartsWith("100,000-row result", StringComparison.Ordinal));
        var rss = Assert.Single(targets, t => t.Target.StartsWith("Server RSS while answering", StringComparison.Ordinal));

        Assert.False(time.Met);
        Assert.Contains("stateful: 450 ms vs 200 ms (2.25x)", time.Measured, StringComparison.Ordinal);
        Assert.False(rss.Met);
        Assert.Contains("stateless: peak 260 MB, started 120 MB (+140 MB)", rss.Measured, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(6, true)]
    [InlineData(4, false)]
    public void Targets_LargeResultWithItsOwnMinimum_MeasuredFromFewerThanTenCalls(long requests, bool measured)
    {
        RunRecord[] runs =
        [
            Run(Modes.Stateless, ServerIds.Mxcp, 1, 2, 350, "rows100k") with { Requests = requests, MinimumRequests = 5, ServerPeakRssMb = 200 },
            Run(Modes.InProcess, ServerIds.DuckDbAlone, 1, 3, 150, "rows100k") with { Requests = 8, MinimumRequests = 5 },
        ];
        ServerInfo[] servers = [new(ServerIds.Mxcp, Modes.Stateless, "", 120, null)];

        var targets = RatioCalculator.Targets(RatioCalculator.Ratios(runs), runs, [], servers);
        var time = Assert.Single(targets, t => t.Target.StartsWith("100,000-row result", StringComparison.Ordinal));
        var rss = Assert.Single(targets, t => t.Target.StartsWith("Server RSS while answering", StringComparison.Ordinal));

        Assert.Equal(measured, time.Measured.Contains("stateless: 350 ms vs 150 ms (2.33x)", StringComparison.Ordinal));
        Assert.Equal(measured, rss.Measured.Contains("stateless: peak 200 MB, started 120 MB (+80 MB)", StringComparison.Ordinal));
        Assert.Equal(!measured, runs[0].TooFewRequests);
    }

    [Fact]
    public void Run_DefaultMinimum_NineRequestsAreTooFew()
    {
        Assert.True((Run(Modes.Stateless, ServerIds.Mxcp, 1, 3, 300) with { Requests = 9 }).TooFewRequests);
        Assert.False((Run(Modes.Stateless, ServerIds.Mxcp, 1, 3, 300) with { Requests = 9, MinimumRequests = 5 }).TooFewRequests);
    }

    [Fact]
    public void Targets_TenThousandEndpoints_OwnTargetAndLeftOutOfTheIdleRssTarget()
    {
        var startup = new[] { new Mxcp.Benchmarks.Harness.Startup.StartupResult(1000, 3, 800, 900, 130, 120, 1.4, 0.1), new Mxcp.Benchmarks.Harness.Startup.StartupResult(10000, 3, 2000, 2500, 350, 300, 4.25, 0.5) };

        var targets = RatioCalculator.Targets([], [], startup);

        Assert.True(Assert.Single(targets, t => t.Target.StartsWith("Idle RSS", StringComparison.Ordinal)).Met);
        var ten = Assert.Single(targets, t => t.Target.StartsWith("Start-up with 10,000", StringComparison.Ordinal));
        Assert.True(ten.Met);
        Assert.Equal("2.50 s (4.25 s of CPU; other processes kept 0.50 CPUs busy), RSS 350 MB after the first tools/list, 300 MB idle", ten.Measured);
    }
}
