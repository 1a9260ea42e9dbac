using System.Globalization;
using Mxcp.Benchmarks.Harness.Orchestration;
using Mxcp.Benchmarks.Harness.Startup;

namespace Mxcp.Benchmarks.Harness.Reporting;

/// <summary>
/// The comparisons the run is for, always between windows of the same run: Mxcp's throughput over each baseline and
/// peer's, its median latency over DuckDB alone, and the performance targets each run is judged by.
/// </summary>
internal static class RatioCalculator
{
    public const string OverBareSdk = "mxcp / bare-sdk throughput";
    public const string OverTypeScript = "mxcp / typescript throughput";
    public const string OverRawKestrel = "mxcp / raw-kestrel throughput";
    public const string OverToolbox = "mxcp / toolbox throughput";
    public const string OverBefore = "mxcp / mxcp-before throughput";
    public const string MxcpOverDuckDb = "mxcp p50 - duckdb-alone p50";
    public const string BareOverDuckDb = "bare-sdk p50 - duckdb-alone p50";
    public const string PythonOverSql = "mxcp python / mxcp select 1 throughput";

    private static readonly string[] ServerModes = [Modes.Stateless, Modes.Stateful, Modes.Stateless2026];

    public static IReadOnlyList<Ratio> Ratios(IReadOnlyList<RunRecord> runs)
    {
        var ratios = new List<Ratio>();
        foreach (var mode in ServerModes)
        {
            foreach (var mxcp in runs.Where(r => r.Succeeded && !r.TooFewRequests && r.Mode == mode && r.Server == ServerIds.Mxcp))
            {
                AddThroughput(ratios, runs, mxcp, ServerIds.BareSdk, OverBareSdk);
                AddThroughput(ratios, runs, mxcp, ServerIds.TypeScript, OverTypeScript);
                AddThroughput(ratios, runs, mxcp, ServerIds.RawKestrel, OverRawKestrel);
                AddThroughput(ratios, runs, mxcp, ServerIds.Toolbox, OverToolbox);
                AddThroughput(ratios, runs, mxcp, ServerIds.MxcpBefore, OverBefore);
                if (Find(runs, Modes.InProcess, mxcp.Workload, ServerIds.DuckDbAlone, mxcp.Concurrency) is { } duckdb)
                {
                    ratios.Add(new Ratio(MxcpOverDuckDb, mode, mxcp.Workload, mxcp.Concurrency, mxcp.LatencyMs.P50 - duckdb.LatencyMs.P50, "ms"));
                    if (Find(runs, mode, mxcp.Workload, ServerIds.BareSdk, mxcp.Concurrency) is { } bare)
                    {
                        ratios.Add(new Ratio(BareOverDuckDb, mode, mxcp.Workload, mxcp.Concurrency, bare.LatencyMs.P50 - duckdb.LatencyMs.P50, "ms"));
                    }
                }

                if (mxcp.Workload == "python" && Find(runs, mode, "trivial", ServerIds.Mxcp, mxcp.Concurrency) is { RequestsPerSecond: > 0 } sql)
                {
                    ratios.Add(new Ratio(PythonOverSql, mode, mxcp.Workload, mxcp.Concurrency, mxcp.RequestsPerSecond / sql.RequestsPerSecond, "x"));
                }
            }
        }

        return ratios;
    }

    /// <param name="servers">The servers started; the large-result target compares Mxcp's peak RSS with its RSS once started.</param>
    public static IReadOnlyList<TargetResult> Targets(
        IReadOnlyList<Ratio> ratios, IReadOnlyList<RunRecord> runs, IReadOnlyList<StartupResult> startup, IReadOnlyList<ServerInfo>? servers = null,
        IReadOnlyList<AuditRounds>? auditRounds = null, IReadOnlyList<PeerRounds>? peerRounds = null)
    {
        var targets = new List<TargetResult>();
        string[] modes = [Modes.Stateless, Modes.Stateful];

        var latency = modes.Select(mode => (mode, Mxcp: Find(runs, mode, "lookup", ServerIds.Mxcp, 1), DuckDb: Find(runs, Modes.InProcess, "lookup", ServerIds.DuckDbAlone, 1))).ToList();
        var disturbed = latency.Any(l => l.Mxcp is not null && l.DuckDb is not null && l.Mxcp.LatencyMs.P50 < l.DuckDb.LatencyMs.P50);
        targets.Add(new TargetResult(
            "Point lookup at concurrency 1: Mxcp's p50 within 0.3 ms of DuckDB alone",
            string.Join("; ", latency.Select(l => l.Mxcp is null || l.DuckDb is null
                ? $"{l.mode}: not measured"
                : F($"{l.mode}: {l.Mxcp.LatencyMs.P50:0.00} ms vs {l.DuckDb.LatencyMs.P50:0.00} ms ({l.Mxcp.LatencyMs.P50 - l.DuckDb.LatencyMs.P50:+0.00;-0.00} ms)")))
                + (disturbed ? " - Mxcp cannot be faster than the query alone: other load disturbed these windows, so the verdict is left open" : ""),
            disturbed ? null : AllMet(latency.Select(l => l.Mxcp is null || l.DuckDb is null ? (bool?)null : l.Mxcp.LatencyMs.P50 - l.DuckDb.LatencyMs.P50 <= 0.3))));

        targets.Add(ThroughputTarget(ratios, runs, OverBareSdk, ServerIds.BareSdk, "lookup", "Point lookup at concurrency 8 and 32: Mxcp's throughput at least 85% of the bare SDK server's", 0.85, "{0:0%}"));
        targets.Add(ThroughputTarget(ratios, runs, OverToolbox, ServerIds.Toolbox, "trivial", "Trivial SQL tool (`select 1`) at concurrency 8 and 32: Mxcp's throughput at least that of MCP Toolbox", 1, "{0:0.00}x",
            peerRounds: peerRounds));
        targets.Add(ThroughputTarget(ratios, runs, OverTypeScript, ServerIds.TypeScript, "lookup", "Point lookup at concurrency 8 and 32: Mxcp's throughput at least 3 times the TypeScript server's", 3, "{0:0.0}x",
            (mode, concurrency) => Ceiling(runs, mode, "lookup", ServerIds.TypeScript, concurrency), peerRounds));

        var thousand = startup.FirstOrDefault(s => s.Endpoints == 1000);
        targets.Add(new TargetResult(
            "Start-up with 1,000 endpoints (process start to first answered tools/list) under 1.5 s",
            thousand is null ? "not measured" : F($"{thousand.FirstListMs / 1000:0.00} s (listening after {thousand.ListeningMs / 1000:0.00} s)"),
            thousand is null ? null : thousand.FirstListMs < 1500));

        var upToThousand = startup.Where(s => s.Endpoints <= 1000).ToList();
        targets.Add(new TargetResult(
            "Idle RSS under 150 MB (up to 1,000 endpoints)",
            upToThousand.Count == 0 ? "not measured" : string.Join("; ", upToThousand.Select(s => F($"{s.Endpoints} endpoints: {s.IdleRssMb:0} MB"))),
            upToThousand.Count == 0 ? null : upToThousand.All(s => s.IdleRssMb < 150)));

        var tenThousand = startup.FirstOrDefault(s => s.Endpoints == 10000);
        targets.Add(new TargetResult(
            "Start-up with 10,000 endpoints under 3 s, RSS under 400 MB",
            tenThousand is null ? "not measured" : F($"{tenThousand.FirstListMs / 1000:0.00} s ({tenThousand.CpuSeconds:0.00} s of CPU; other processes kept {tenThousand.OtherCpus:0.00} CPUs busy), RSS {tenThousand.RssAfterStartMb:0} MB after the first tools/list, {tenThousand.IdleRssMb:0} MB idle"),
            tenThousand is null ? null : tenThousand.FirstListMs < 3000 && tenThousand.RssAfterStartMb < 400 && tenThousand.IdleRssMb < 400));

        var large = modes.Select(mode => (mode, Mxcp: Find(runs, mode, "rows100k", ServerIds.Mxcp, 1), DuckDb: Find(runs, Modes.InProcess, "rows100k", ServerIds.DuckDbAlone, 1))).ToList();
        targets.Add(new TargetResult(
            "100,000-row result at concurrency 1: Mxcp's p50 (time to last byte) at most 2 times DuckDB alone reading the same rows",
            string.Join("; ", large.Select(l => l.Mxcp is null || l.DuckDb is null || l.DuckDb.LatencyMs.P50 <= 0
                ? $"{l.mode}: not measured"
                : F($"{l.mode}: {l.Mxcp.LatencyMs.P50:0} ms vs {l.DuckDb.LatencyMs.P50:0} ms ({l.Mxcp.LatencyMs.P50 / l.DuckDb.LatencyMs.P50:0.00}x)"))),
            AllMet(large.Select(l => l.Mxcp is null || l.DuckDb is null || l.DuckDb.LatencyMs.P50 <= 0 ? (bool?)null : l.Mxcp.LatencyMs.P50 <= 2 * l.DuckDb.LatencyMs.P50))));

        var rss = modes.Select(mode => (mode, Run: Find(runs, mode, "rows100k", ServerIds.Mxcp, 1),
            Started: servers?.FirstOrDefault(s => s.Id == ServerIds.Mxcp && s.Mode == mode)?.StartedRssMb)).ToList();
        targets.Add(new TargetResult(
            "Server RSS while answering the 100,000-row result at most 150 MB over its RSS once started",
            string.Join("; ", rss.Select(r => r.Run is null || r.Started is null
                ? $"{r.mode}: not measured"
                : F($"{r.mode}: peak {r.Run.ServerPeakRssMb:0} MB, started {r.Started:0} MB (+{r.Run.ServerPeakRssMb - r.Started:0} MB)"))),
            AllMet(rss.Select(r => r.Run is null || r.Started is null ? (bool?)null : r.Run.ServerPeakRssMb - r.Started <= 150))));

        targets.Add(AuditTarget(runs, auditRounds ?? []));
        return targets;
    }

    /// <summary>
    /// Audit on against off: the server's CPU per call, trivial tool and point lookup, stateless, concurrency 8 and 32.
    /// A cell measured in paired rounds is judged by the median of its rounds' ratios; otherwise by its median windows.
    /// </summary>
    private static TargetResult AuditTarget(IReadOnlyList<RunRecord> runs, IReadOnlyList<AuditRounds> auditRounds)
    {
        var costs = AuditCost.Of(runs);
        var cells = (from workload in new[] { "trivial", "lookup" }
                     from concurrency in new[] { 8, 32 }
                     select (workload, concurrency,
                         Cost: costs.FirstOrDefault(c => c.Workload == workload && c.Concurrency == concurrency && c.Measured),
                         Rounds: auditRounds.FirstOrDefault(r => r.Workload == workload && r.Concurrency == concurrency && r.Measured))).ToList();
        double? Ratio((string, int, AuditCost? Cost, AuditRounds? Rounds) cell) => cell.Rounds?.MedianRatio ?? cell.Cost?.CpuRatio;
        var spread = cells.Where(c => c.Rounds is null && c.Cost is { } cost && cost.CpuRatio > AuditCost.Allowed && cost.WithinSpread).ToList();
        return new TargetResult(
            "Audit on against off (stateless, `select 1` and the point lookup, concurrency 8 and 32): server CPU per call at most 5% higher",
            string.Join("; ", cells.Select(c => (c.Rounds, c.Cost) switch
            {
                ({ } rounds, var cost) => F($"{c.workload} c={c.concurrency}: {rounds.MedianRatio - 1:+0.0%;-0.0%} (median of {rounds.Ratios.Count} paired rounds, quartiles {rounds.LowerQuartileRatio - 1:+0.0%;-0.0%} / {rounds.UpperQuartileRatio - 1:+0.0%;-0.0%})")
                    + (cost is null ? "" : F($"; windows {cost.OnCpuPerCallUs:0} us vs {cost.OffCpuPerCallUs:0} us ({cost.CpuRatio - 1:+0.0%;-0.0%})")),
                (null, { } cost) => F($"{c.workload} c={c.concurrency}: {cost.OnCpuPerCallUs:0} us vs {cost.OffCpuPerCallUs:0} us ({cost.CpuRatio - 1:+0.0%;-0.0%})"),
                _ => $"{c.workload} c={c.concurrency}: not measured",
            }))
                + (spread.Count == 0 ? "" : " - in " + string.Join(" and ", spread.Select(c => $"{c.workload} c={c.concurrency}"))
                    + " the audited server's fastest window came within 5% of the unaudited one's slowest: the miss is within the spread of this run's windows"),
            AllMet(cells.Select(c => Ratio(c) is { } ratio ? ratio <= AuditCost.Allowed : (bool?)null)));
    }

    public static RunRecord? Find(IReadOnlyList<RunRecord> runs, string mode, string workload, string server, int concurrency) =>
        runs.FirstOrDefault(r => r.Succeeded && !r.TooFewRequests && r.Mode == mode && r.Workload == workload && r.Server == server && r.Concurrency == concurrency);

    /// <summary>
    /// DuckDB alone's throughput over the peer's, same workload and concurrency: the most any server that runs the
    /// workload's SQL through DuckDB on the same CPUs can reach over that peer.
    /// </summary>
    public static double? Ceiling(IReadOnlyList<RunRecord> runs, string mode, string workload, string peer, int concurrency) =>
        Find(runs, Modes.InProcess, workload, ServerIds.DuckDbAlone, concurrency) is { RequestsPerSecond: > 0 } duckdb
        && Find(runs, mode, workload, peer, concurrency) is { RequestsPerSecond: > 0 } other
            ? duckdb.RequestsPerSecond / other.RequestsPerSecond
            : null;

    /// <summary>
    /// Whether a missed cell is within the spread of its windows: Mxcp's fastest window reached the threshold over the
    /// peer's slowest one (both measured in more than one window). The verdict stays "not met"; the text says so.
    /// </summary>
    private static bool WithinSpread(IReadOnlyList<RunRecord> runs, string mode, string workload, string peer, int concurrency, double threshold) =>
        Find(runs, mode, workload, ServerIds.Mxcp, concurrency) is { Windows: > 1, RequestsPerSecondMax: > 0 } mxcp
        && Find(runs, mode, workload, peer, concurrency) is { Windows: > 1, RequestsPerSecondMin: > 0 } other
        && mxcp.RequestsPerSecondMax >= threshold * other.RequestsPerSecondMin;

    /// <param name="ceiling">When given, each cell also shows the ratio DuckDB alone reaches over the same peer, and a
    /// missed cell whose ceiling is under the threshold is named as one no server can meet on this machine.</param>
    /// <param name="peerRounds">Cells measured again in paired rounds against the peer are judged by the median of their
    /// rounds' ratios (the windows' ratio is shown next to it); the others by their median windows.</param>
    private static TargetResult ThroughputTarget(
        IReadOnlyList<Ratio> ratios, IReadOnlyList<RunRecord> runs, string name, string peer, string workload, string target, double threshold, string format,
        Func<string, int, double?>? ceiling = null, IReadOnlyList<PeerRounds>? peerRounds = null)
    {
        string Format(double value) => string.Format(CultureInfo.InvariantCulture, format, value);
        var cells = (from mode in new[] { Modes.Stateless, Modes.Stateful }
                     from concurrency in new[] { 8, 32 }
                     let windows = ratios.FirstOrDefault(r => r.Name == name && r.Mode == mode && r.Workload == workload && r.Concurrency == concurrency)?.Value
                     let rounds = peerRounds?.FirstOrDefault(r => r.Peer == peer && r.Mode == mode && r.Workload == workload && r.Concurrency == concurrency && r.Measured)
                     select (mode, concurrency, Value: rounds?.MedianRatio ?? windows, Windows: windows, Rounds: rounds,
                         Ceiling: ceiling?.Invoke(mode, concurrency))).ToList();
        var bounded = cells.Where(c => c.Value < threshold && c.Ceiling < threshold).ToList();
        var spread = cells.Where(c => c.Rounds is null && c.Value < threshold && !bounded.Contains(c)
            && WithinSpread(runs, c.mode, workload, peer, c.concurrency, threshold)).ToList();
        return new TargetResult(
            target,
            string.Join("; ", cells.Select(c => c.Value is not { } value
                ? $"{c.mode} c={c.concurrency}: not measured"
                : $"{c.mode} c={c.concurrency}: {Format(value)}"
                    + (c.Rounds is { } r
                        ? $" (median of {r.Ratios.Count} paired rounds, quartiles {Format(r.LowerQuartileRatio)} / {Format(r.UpperQuartileRatio)}"
                            + (c.Windows is { } w ? $"; windows {Format(w)}" : "") + ")"
                        : "")
                    + (c.Ceiling is { } top ? $" (DuckDB alone {Format(top)})" : "")))
                + (bounded.Count == 0 ? "" : " - DuckDB alone, running the same SQL on the same CPUs, stays under the target in "
                    + string.Join(" and ", bounded.Select(c => $"{c.mode} c={c.concurrency}")) + ", so no server using DuckDB can meet " + (bounded.Count == 1 ? "that cell" : "those cells") + " here")
                + (spread.Count == 0 ? "" : " - in " + string.Join(" and ", spread.Select(c => $"{c.mode} c={c.concurrency}"))
                    + " Mxcp's fastest window reached the target over the peer's slowest: the miss is within the spread of this run's windows"),
            AllMet(cells.Select(c => c.Value is { } value ? value >= threshold : (bool?)null)));
    }

    private static void AddThroughput(List<Ratio> ratios, IReadOnlyList<RunRecord> runs, RunRecord mxcp, string other, string name)
    {
        if (Find(runs, mxcp.Mode, mxcp.Workload, other, mxcp.Concurrency) is { RequestsPerSecond: > 0 } peer)
        {
            ratios.Add(new Ratio(name, mxcp.Mode, mxcp.Workload, mxcp.Concurrency, mxcp.RequestsPerSecond / peer.RequestsPerSecond, "x"));
        }
    }

    /// <summary>Met when every cell was measured and met; not met when a measured cell missed; unknown otherwise.</summary>
    private static bool? AllMet(IEnumerable<bool?> cells)
    {
        var list = cells.ToList();
        return list.Any(c => c == false) ? false : list.All(c => c == true) ? true : null;
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
