using System.Text.Json;
using Mxcp.Benchmarks.Harness;
using Mxcp.Benchmarks.Harness.Measurement;
using Mxcp.Benchmarks.Harness.Orchestration;
using Mxcp.Benchmarks.Harness.Reporting;

namespace Mxcp.Benchmarks.Tests.Reporting;

public sealed class ReportCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mxcp-report-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task RunAsync_RunJudgedByOlderRules_TargetsComputedAgainAndWindowsKept()
    {
        RunRecord[] runs =
        [
            RatioCalculatorTests.Run(Modes.Stateful, ServerIds.Mxcp, 8, 1600, 5), RatioCalculatorTests.Run(Modes.Stateful, ServerIds.TypeScript, 8, 700, 11),
            RatioCalculatorTests.Run(Modes.InProcess, ServerIds.DuckDbAlone, 8, 1690, 4.7),
        ];
        var report = new BenchmarkReport
        {
            StartedAt = new DateTimeOffset(2026, 12, 6, 20, 58, 0, TimeSpan.Zero),
            DurationSeconds = 1638,
            Quick = false,
            Machine = new MachineInfo("cpu", 2, 8, "Linux", "6.1", ".NET 10", 2.2, 2, 2),
            Cpus = new CpuLayout("1", "0", 1, 1),
            Versions = new Dictionary<string, string> { ["mxcp"] = "0.1" },
            Settings = BenchmarkSettings.For(quick: false),
            Workloads = [new WorkloadInfo("lookup", "point lookup (SQL)", "tools/call lookup_order {}", "42")],
            Servers = [],
            Runs = runs,
            Startup = [],
            Ratios = [],
            Targets = [new TargetResult("an older rule", "judged before", true)],
            LoadAverageAtEnd = 2,
        };
        var json = Path.Combine(_folder, "2026-12-06-2058.json");
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(report, ReportJson.Options), TestContext.Current.CancellationToken);

        var exit = await ReportCommand.RunAsync(new CommandArguments(["--json", json]), TestContext.Current.CancellationToken);

        Assert.Equal(0, exit);
        var written = JsonSerializer.Deserialize<BenchmarkReport>(await File.ReadAllTextAsync(json, TestContext.Current.CancellationToken), ReportJson.Options)!;
        Assert.DoesNotContain(written.Targets, t => t.Target == "an older rule");
        var typeScript = Assert.Single(written.Targets, t => t.Target.Contains("TypeScript", StringComparison.Ordinal));
        Assert.False(typeScript.Met);
        Assert.Contains("stateful c=8: 2.3x (DuckDB alone 2.4x)", typeScript.Measured, StringComparison.Ordinal);
        Assert.Contains(written.Ratios, r => r.Name == RatioCalculator.OverTypeScript && r.Mode == Modes.Stateful && r.Concurrency == 8);
        Assert.Equal(3, written.Runs.Count);
        Assert.Equal(1600, written.Runs[0].RequestsPerSecond);
        var markdown = await File.ReadAllTextAsync(Path.Combine(_folder, "2026-12-06-2058.md"), TestContext.Current.CancellationToken);
        Assert.Contains("| Point lookup at concurrency 8 and 32: Mxcp's throughput at least 3 times the TypeScript server's | ", markdown, StringComparison.Ordinal);
        Assert.Contains("no server using DuckDB can meet that cell here | **no** |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_RunWithPeerRounds_RoundsReadBackJudgeTheCellAndAreRendered()
    {
        RunRecord[] runs =
        [
            RatioCalculatorTests.Run(Modes.Stateful, ServerIds.Mxcp, 8, 6359, 1.2, "trivial"), RatioCalculatorTests.Run(Modes.Stateful, ServerIds.Toolbox, 8, 6491, 1.1, "trivial"),
        ];
        var report = new BenchmarkReport
        {
            StartedAt = new DateTimeOffset(2026, 12, 7, 20, 30, 0, TimeSpan.Zero),
            DurationSeconds = 3000,
            Quick = false,
            Machine = new MachineInfo("cpu", 2, 8, "Linux", "6.1", ".NET 10", 1.0, 1, 1),
            Cpus = new CpuLayout("1", "0", 1, 1),
            Versions = new Dictionary<string, string> { ["mxcp"] = "0.1" },
            Settings = BenchmarkSettings.For(quick: false),
            Workloads = [new WorkloadInfo("trivial", "select 1 (SQL)", "tools/call select_one {}", "1")],
            Servers = [],
            Runs = runs,
            PeerRounds = [new PeerRounds(Modes.Stateful, "trivial", 8, ServerIds.Toolbox, [6600, 6300, 7000, 6900, 6500], [6000, 6400, 6500, 6600, 6300])],
            Startup = [],
            Ratios = [],
            Targets = [],
            LoadAverageAtEnd = 1,
        };
        var json = Path.Combine(_folder, "2026-12-07-2030.json");
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(report, ReportJson.Options), TestContext.Current.CancellationToken);

        var exit = await ReportCommand.RunAsync(new CommandArguments(["--json", json]), TestContext.Current.CancellationToken);

        Assert.Equal(0, exit);
        var written = JsonSerializer.Deserialize<BenchmarkReport>(await File.ReadAllTextAsync(json, TestContext.Current.CancellationToken), ReportJson.Options)!;
        var rounds = Assert.Single(written.PeerRounds);
        Assert.Equal([6600, 6300, 7000, 6900, 6500], rounds.MxcpRequestsPerSecond);
        var toolbox = Assert.Single(written.Targets, t => t.Target.Contains("MCP Toolbox", StringComparison.Ordinal));
        Assert.Contains("stateful c=8: 1.05x (median of 5 paired rounds, quartiles 1.03x / 1.08x; windows 0.98x)", toolbox.Measured, StringComparison.Ordinal);
        var markdown = await File.ReadAllTextAsync(Path.Combine(_folder, "2026-12-07-2030.md"), TestContext.Current.CancellationToken);
        Assert.Contains("### Against the peers in paired rounds", markdown, StringComparison.Ordinal);
        Assert.Contains("| stateful | trivial | toolbox | 8 | 5 | 6600 | 6400 | 1.05 | 1.03-1.08 |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_FileWithoutAReport_ThrowsNamingTheFile()
    {
        var json = Path.Combine(_folder, "empty.json");
        await File.WriteAllTextAsync(json, "null", TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ReportCommand.RunAsync(new CommandArguments(["--json", json]), TestContext.Current.CancellationToken));

        Assert.Contains(json, error.Message, StringComparison.Ordinal);
    }
}
