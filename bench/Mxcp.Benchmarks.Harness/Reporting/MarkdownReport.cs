using System.Globalization;
using System.Text;
using Mxcp.Benchmarks.Harness.Orchestration;
using Mxcp.Benchmarks.Harness.Workloads;

namespace Mxcp.Benchmarks.Harness.Reporting;

/// <summary>Renders <c>bench/results/&lt;date&gt;.md</c>: targets, ratios, every window, start-up, what each server is, the method.</summary>
/// <remarks>Numbers are formatted with the invariant culture: the harness runs with <c>InvariantGlobalization</c>.</remarks>
internal static class MarkdownReport
{
    private static readonly (string Mode, string Title)[] ModeTitles =
    [
        (Modes.Stateless, "Stateless: wrk POSTing `tools/call` / `tools/list` with protocol 2025-11-25 and no initialize, servers started stateless"),
        (Modes.Stateful, "Stateful: wrk POSTing the same requests, each connection in its own initialized session (2025-11-25), to the default servers"),
        (Modes.Stateless2026, "Stateless 2026-07-28: wrk POSTing the 2026-07-28 form (Mcp-Method/Mcp-Name headers, _meta) to the default servers"),
    ];

    private static readonly string[] ServerOrder = [ServerIds.Mxcp, ServerIds.MxcpBefore, ServerIds.MxcpHop, ServerIds.MxcpAudit, ServerIds.BareSdk, ServerIds.TypeScript, ServerIds.Toolbox, ServerIds.RawKestrel, ServerIds.DuckDbAlone];

    public static string Render(BenchmarkReport report, string jsonFile)
    {
        var md = new StringBuilder();
        var m = report.Machine;
        Line(md, $"# Mxcp benchmarks: {report.StartedAt:yyyy-MM-dd HH:mm} ({(report.Quick ? "quick run" : "full run")})");
        Line(md);
        Line(md, $"`bench/run.sh{(report.Quick ? " --quick" : "")}` on {m.CpuModel} ({m.Cores} CPUs, {m.MemoryGib} GiB), {m.Os}, kernel {m.Kernel}; {report.DurationSeconds / 60:0.0} minutes. " +
            $"Every number below comes from this one run; the raw data, machine and versions are in [{jsonFile}]({jsonFile}).");
        Line(md);
        Line(md, $"Load average {m.LoadAverageAtStart1:0.00} / {m.LoadAverageAtStart5:0.00} / {m.LoadAverageAtStart15:0.00} (1 / 5 / 15 min) at the start, {report.LoadAverageAtEnd:0.00} (1 min) at the end. CPUs: {report.Cpus.Describe()}.");
        foreach (var note in report.Notes)
        {
            Line(md);
            Line(md, $"> {note}");
        }

        Line(md);
        Line(md, "## Targets");
        Line(md);
        Line(md, "| target | this run | met |");
        Line(md, "|---|---|---|");
        foreach (var target in report.Targets)
        {
            Line(md, $"| {target.Target} | {target.Measured} | {(target.Met switch { true => "yes", false => "**no**", null => "open" })} |");
        }

        RenderRatios(md, report);
        RenderPeerRounds(md, report);
        RenderHop(md, report);
        RenderAudit(md, report);
        Line(md);
        Line(md, "## Results");
        Line(md);
        Line(md, "req/s: requests completed per second in the window; p50/p95/p99: latency in ms; errors: failed or wrong answers (socket, HTTP status, JSON-RPC error, isError, missing the expected value); " +
            "server CPU: CPU seconds per second of the server's process tree (1.00 = one core); peak RSS: of that tree during the window; gen CPU: the load generator's CPU (\"gen!\" = it used at least 85% of its CPUs, so the window may show the generator's limit); " +
            $"\"few!\": fewer than {RunRecord.DefaultMinimumRequests} requests completed in the window (slow calls at high concurrency; rows100k, measured by one caller in windows of at least {BenchProject.LargeResultWindowSeconds} s, needs {BenchProject.LargeResultMinimumRequests}), too few for percentiles or ratios; " +
            "other CPU: every other process on the machine (other builds and tests); answer: bytes of one answer body.");
        foreach (var (mode, title) in ModeTitles)
        {
            var runs = report.Runs.Where(r => r.Mode == mode).ToList();
            if (runs.Count == 0)
            {
                continue;
            }

            Line(md);
            Line(md, $"### {title}");
            foreach (var workload in report.Workloads.Where(w => runs.Any(r => r.Workload == w.Name)))
            {
                Line(md);
                Line(md, $"#### {workload.Name}: {workload.Title} (`{workload.Request}`)");
                Line(md);
                Line(md, "| server | c | req/s | p50 | p95 | p99 | errors | server CPU | peak RSS MB | gen CPU | other CPU | answer |");
                Line(md, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
                var rows = runs.Where(r => r.Workload == workload.Name)
                    .Concat(mode == Modes.Stateless2026 ? [] : report.Runs.Where(r => r.Mode == Modes.InProcess && r.Workload == workload.Name))
                    .OrderBy(r => Array.IndexOf(ServerOrder, r.Server)).ThenBy(r => r.Concurrency);
                foreach (var r in rows)
                {
                    var server = r.Server == ServerIds.DuckDbAlone ? "duckdb-alone (in-process)" : r.Server;
                    if (!r.Succeeded)
                    {
                        Line(md, $"| {server} | {r.Concurrency} | failed: {Escape(r.Failure!)} | | | | | | | | | |");
                        continue;
                    }

                    var generator = r.GeneratorCpuCores is { } g ? $"{g:0.00}{(r.GeneratorBound ? " gen!" : "")}" : "-";
                    var rps = (r.Windows > 1 ? $"{r.RequestsPerSecond:0} ({r.RequestsPerSecondMin:0}-{r.RequestsPerSecondMax:0})" : $"{r.RequestsPerSecond:0}")
                        + (r.TooFewRequests ? $" few! ({r.Requests} requests)" : "");
                    Line(md, $"| {server} | {r.Concurrency} | {rps} | {r.LatencyMs.P50:0.00} | {r.LatencyMs.P95:0.00} | {r.LatencyMs.P99:0.00} | {r.Errors.Total} | {r.ServerCpuCores:0.00} | {r.ServerPeakRssMb:0} | {generator} | {r.OtherCpuCores:0.00} | {(r.ResponseBytes is { } b ? b.ToString(CultureInfo.InvariantCulture) : "-")} |");
                }
            }
        }

        RenderStartup(md, report);
        Line(md);
        Line(md, "## What each server contains");
        Line(md);
        Line(md, "| server | mode | contents | RSS after start (MB) |");
        Line(md, "|---|---|---|---:|");
        foreach (var s in report.Servers)
        {
            Line(md, $"| {s.Id} | {s.Mode} | {Escape(s.Contents)}{(s.Failure is null ? "" : " **Did not start: " + Escape(s.Failure) + "**")} | {(s.StartedRssMb is { } rss ? rss.ToString("0", CultureInfo.InvariantCulture) : "-")} |");
        }

        Line(md, $"| duckdb-alone | in-process | {Escape(ServerDescriptions.Of(ServerIds.DuckDbAlone, Modes.InProcess))} | - |");
        RenderMethod(md, report);
        Line(md);
        Line(md, "## Versions");
        Line(md);
        Line(md, "| component | version |");
        Line(md, "|---|---|");
        foreach (var (name, version) in report.Versions)
        {
            Line(md, $"| {name} | {Escape(version)} |");
        }

        return md.ToString();
    }

    /// <summary>The cost of one hop through Mxcp as a gateway: mxcp-hop against mxcp, same workload and concurrency.</summary>
    private static void RenderHop(StringBuilder md, BenchmarkReport report)
    {
        var cells = HopCost.Of(report.Runs);
        if (cells.Count == 0)
        {
            return;
        }

        Line(md);
        Line(md, "## Upstream hop");
        Line(md);
        Line(md, "mxcp-hop is a second `mxcp serve` with the measured mxcp as its upstream MCP server (see the servers below); both share the server CPU, so throughput at concurrency above 1 " +
            "is that of two processes on one core. The hop's cost is the added median latency at concurrency 1.");
        Line(md);
        Line(md, "| workload | c | mxcp p50 | mxcp-hop p50 | added p50 (ms) | mxcp req/s | mxcp-hop req/s | hop ÷ direct |");
        Line(md, "|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var cell in cells)
        {
            if (!cell.Measured)
            {
                Line(md, $"| {cell.Workload} | {cell.Concurrency} | not measured: {Escape(cell.Hop.Failure ?? cell.Direct.Failure ?? "too few requests")} | | | | | |");
                continue;
            }

            Line(md, $"| {cell.Workload} | {cell.Concurrency} | {cell.Direct.LatencyMs.P50:0.00} | {cell.Hop.LatencyMs.P50:0.00} | {cell.AddedP50Ms:+0.00;-0.00} | {cell.Direct.RequestsPerSecond:0} | {cell.Hop.RequestsPerSecond:0} | {cell.ThroughputRatio:0.00} |");
        }
    }

    /// <summary>The cost of auditing every call: mxcp-audit against mxcp, same workload and concurrency.</summary>
    private static void RenderAudit(StringBuilder md, BenchmarkReport report)
    {
        var cells = AuditCost.Of(report.Runs);
        if (cells.Count == 0)
        {
            return;
        }

        Line(md);
        Line(md, "## Audit on against off");
        Line(md);
        Line(md, "mxcp-audit is the stateless mxcp with the audit log on (see the servers below), measured in the same interleaved windows. " +
            "CPU per call is the server's CPU seconds per second over its calls per second, in microseconds.");
        Line(md);
        Line(md, "| workload | c | mxcp CPU/call | mxcp-audit CPU/call | audit ÷ off (CPU/call) | mxcp req/s | mxcp-audit req/s | audit ÷ off (req/s) | mxcp p50 | mxcp-audit p50 |");
        Line(md, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var cell in cells)
        {
            if (!cell.Measured)
            {
                Line(md, $"| {cell.Workload} | {cell.Concurrency} | not measured: {Escape(cell.On.Failure ?? cell.Off.Failure ?? "too few requests")} | | | | | | | |");
                continue;
            }

            Line(md, $"| {cell.Workload} | {cell.Concurrency} | {cell.OffCpuPerCallUs:0} | {cell.OnCpuPerCallUs:0} | {cell.CpuRatio:0.00} | {cell.Off.RequestsPerSecond:0} | {cell.On.RequestsPerSecond:0} | {cell.ThroughputRatio:0.00} | {cell.Off.LatencyMs.P50:0.00} | {cell.On.LatencyMs.P50:0.00} |");
        }

        if (report.AuditRounds.Count == 0)
        {
            return;
        }

        Line(md);
        Line(md, "Paired rounds, after the windows above: in each round mxcp and mxcp-audit were loaded one after the other for " +
            report.Settings.AuditRoundSeconds.ToString(CultureInfo.InvariantCulture) + " s each (the first of the two alternating between rounds), " +
            "and each server's CPU per call was read for its own window. The target is judged by the median of the rounds' ratios when a cell has at least " +
            AuditRounds.MinimumRounds.ToString(CultureInfo.InvariantCulture) + " rounds.");
        Line(md);
        Line(md, "| workload | c | rounds | mxcp CPU/call (median) | mxcp-audit CPU/call (median) | audit ÷ off: median of rounds | quartiles |");
        Line(md, "|---|---:|---:|---:|---:|---:|---:|");
        foreach (var rounds in report.AuditRounds)
        {
            var failed = rounds.Failure is null ? "" : " (stopped: " + Escape(rounds.Failure) + ")";
            Line(md, rounds.Ratios.Count == 0
                ? $"| {rounds.Workload} | {rounds.Concurrency} | 0{failed} | | | | |"
                : string.Create(CultureInfo.InvariantCulture, $"| {rounds.Workload} | {rounds.Concurrency} | {rounds.Ratios.Count}{failed} | {rounds.MedianOffCpuPerCallUs:0} | {rounds.MedianOnCpuPerCallUs:0} | {rounds.MedianRatio:0.000} | {rounds.LowerQuartileRatio:0.000}-{rounds.UpperQuartileRatio:0.000} |"));
        }
    }

    private static void RenderRatios(StringBuilder md, BenchmarkReport report)
    {
        Line(md);
        Line(md, "## Mxcp against its baselines and peers");
        Line(md);
        Line(md, "Throughput ratios are Mxcp's requests per second divided by the other server's in the same mode, workload and concurrency (above 1: Mxcp served more). " +
            "The last two columns are how much higher the median latency was than DuckDB alone (the same SQL in-process through the same binding). " +
            "÷ before (only with `--before`): this commit's mxcp over the earlier commit's.");
        Line(md);
        Line(md, "| mode | workload | c | ÷ bare SDK | ÷ TypeScript | ÷ raw Kestrel | ÷ Toolbox | ÷ before | Mxcp p50 − DuckDB | bare SDK p50 − DuckDB |");
        Line(md, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        var cells = report.Ratios.Where(r => r.Name != RatioCalculator.PythonOverSql).GroupBy(r => (r.Mode, r.Workload, r.Concurrency))
            .OrderBy(g => Array.FindIndex(ModeTitles, t => t.Mode == g.Key.Mode))
            .ThenBy(g => report.Workloads.ToList().FindIndex(w => w.Name == g.Key.Workload))
            .ThenBy(g => g.Key.Concurrency);
        foreach (var cell in cells)
        {
            string Value(string name, string format) => cell.FirstOrDefault(r => r.Name == name) is { } r ? r.Value.ToString(format, CultureInfo.InvariantCulture) : "";
            Line(md, $"| {cell.Key.Mode} | {cell.Key.Workload} | {cell.Key.Concurrency} | {Value(RatioCalculator.OverBareSdk, "0.00")} | {Value(RatioCalculator.OverTypeScript, "0.00")} | " +
                $"{Value(RatioCalculator.OverRawKestrel, "0.00")} | {Value(RatioCalculator.OverToolbox, "0.00")} | {Value(RatioCalculator.OverBefore, "0.00")} | {Value(RatioCalculator.MxcpOverDuckDb, "+0.00;-0.00")} | {Value(RatioCalculator.BareOverDuckDb, "+0.00;-0.00")} |");
        }

        var python = report.Ratios.Where(r => r.Name == RatioCalculator.PythonOverSql).ToList();
        if (python.Count > 0)
        {
            Line(md);
            Line(md, "Python tool against `select 1` on Mxcp (throughput ratio): " +
                string.Join(", ", python.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Mode} c={r.Concurrency}: {r.Value:0.00}"))) + ".");
        }
    }

    private static void RenderPeerRounds(StringBuilder md, BenchmarkReport report)
    {
        if (report.PeerRounds.Count == 0)
        {
            return;
        }

        Line(md);
        Line(md, "### Against the peers in paired rounds");
        Line(md);
        Line(md, "After each mode's windows of `select 1` and of the point lookup: in each round mxcp and the peer the goal names (MCP Toolbox, the TypeScript server) were loaded one after the other for " +
            report.Settings.AuditRoundSeconds.ToString(CultureInfo.InvariantCulture) + " s each (the first of the two alternating between rounds; in the stateful mode in the windows' sessions). " +
            "A slow spell of the machine falls on both windows of a round, where the median windows above can lie minutes apart. " +
            "The goal is judged by the median of the rounds' ratios when a cell has at least " + AuditRounds.MinimumRounds.ToString(CultureInfo.InvariantCulture) + " rounds.");
        Line(md);
        Line(md, "| mode | workload | peer | c | rounds | mxcp calls/s (median) | peer calls/s (median) | mxcp ÷ peer: median of rounds | quartiles |");
        Line(md, "|---|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var rounds in report.PeerRounds)
        {
            var failed = rounds.Failure is null ? "" : " (stopped: " + Escape(rounds.Failure) + ")";
            Line(md, rounds.Ratios.Count == 0
                ? $"| {rounds.Mode} | {rounds.Workload} | {rounds.Peer} | {rounds.Concurrency} | 0{failed} | | | | |"
                : string.Create(CultureInfo.InvariantCulture, $"| {rounds.Mode} | {rounds.Workload} | {rounds.Peer} | {rounds.Concurrency} | {rounds.Ratios.Count}{failed} | {rounds.MedianMxcpRequestsPerSecond:0} | {rounds.MedianPeerRequestsPerSecond:0} | {rounds.MedianRatio:0.00} | {rounds.LowerQuartileRatio:0.00}-{rounds.UpperQuartileRatio:0.00} |"));
        }
    }

    private static void RenderStartup(StringBuilder md, BenchmarkReport report)
    {
        Line(md);
        Line(md, "## Start-up of `mxcp serve`");
        Line(md);
        if (report.Startup.Count == 0)
        {
            Line(md, "Not measured (see the notes above).");
            return;
        }

        Line(md, $"Default mode, SQL tools only, not pinned; {(report.Quick ? "one start per size (the first, so file caches may be cold)" : $"medians of {report.Startup[0].Repetitions} starts after one unreported warm start")}. " +
            "Listening: the process printed its URL; first tools/list: one POST listing every tool was answered; CPU: the server's user and system CPU time when it answered " +
            "(the work of starting, which the machine's load does not change); other processes: how many CPUs the rest of the machine kept busy meanwhile (on " +
            report.Machine.Cores.ToString(CultureInfo.InvariantCulture) + " CPUs, what slows the times down); idle RSS: after " +
            report.Settings.IdleSettleSeconds.ToString("0", CultureInfo.InvariantCulture) + " s without requests.");
        Line(md);
        Line(md, "| endpoints | listening (ms) | first tools/list answered (ms) | CPU by then (s) | other processes (CPUs) | RSS after start (MB) | idle RSS (MB) |");
        Line(md, "|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in report.Startup)
        {
            Line(md, $"| {s.Endpoints} | {s.ListeningMs:0} | {s.FirstListMs:0} | {s.CpuSeconds:0.00} | {s.OtherCpus:0.00} | {s.RssAfterStartMb:0} | {s.IdleRssMb:0} |");
        }
    }

    private static void RenderMethod(StringBuilder md, BenchmarkReport report)
    {
        var s = report.Settings;
        Line(md);
        Line(md, "## Method");
        Line(md);
        Line(md, "- **Data.** 100,000 customers and 1,000,000 orders generated inside DuckDB by `mxcp query` (values from `hash()` of the row number: the same rows on every machine). Every server opens the same file read-only.");
        Line(md, "- **Tools.** 1,000 tools on every server: `lookup_order` (point lookup by order id), `revenue_by_country` (join of orders and customers, filter, group by, order by), `select_one` (`SELECT 1`), `python_echo` (Python, Mxcp only; listed by the others), and filler SQL tools. " +
            "Mxcp reads them as YAML files; the bare SDK and TypeScript servers read the same names, descriptions, input schemas and SQL from `catalog.json`; Toolbox serves only `select_one`.");
        Line(md, "- **Checks.** Before its windows each server answers one request (stateful: in a session) that must contain a value read from the database (the lookup's customer id, the top country's order count, the last tool's name) and be neither a JSON-RPC error nor `isError`; every answer during the windows is checked the same way (wrk's Lua `response()` hook), and failures are counted as errors.");
        Line(md, $"- **Windows.** Per workload, every server first gets a warm-up of {s.WarmupSeconds} s (at least 1 s with wrk; {s.FirstWarmupSeconds} s in the first workload a server process serves, which covers the first seconds a fresh .NET server spends compiling its call path) at concurrency {s.Concurrencies.Max()}. Then, for each concurrency ({string.Join(", ", s.Concurrencies)}), each server gets {s.Repetitions} window(s) of {s.WindowSeconds} s (rows100k: at least {BenchProject.LargeResultWindowSeconds} s), interleaved: one window per server in turn, the order rotated on each repetition, so that background load that drifts over minutes hits all servers alike. " +
            $"The tables show the median window (by throughput) of each cell and, with several windows, the range of their throughputs. Windows are closed loops (each connection or caller sends its next request when the answer arrives); DuckDB alone warms up {s.WindowWarmupSeconds} s before each window. Servers are never measured at the same time.");
        Line(md, "- **Generators.** wrk 4 with `bench/wrk/mcp-post.lua`, keep-alive connections = concurrency. Stateless modes: one thread per generator CPU. Stateful: one thread per connection, each calling in its own session, opened before the windows like an SDK client opens one (`initialize` with protocol 2025-11-25, then `notifications/initialized`), kept across the workload's windows and ended with DELETE. " +
            "Before 2026-12-06 the stateful generator was this harness's client on the C# SDK's `McpClient`, whose own work added about 0.2-0.3 ms to each call at concurrency 1: compare stateful rows of earlier reports only with each other.");
        Line(md, $"- **Pinning.** {report.Cpus.Describe()}. The DuckDB-alone process is pinned like a server. Start-up is not pinned.");
        Line(md, "- **Measurements.** Server CPU: utime+stime from /proc of the server process and its children (Python workers) between the start and end of the window; peak RSS: the highest sum of VmRSS of that tree, sampled every 100 ms; generator CPU: wrk's /proc times; other CPU: the machine's busy time (/proc/stat) minus server and generator.");
        Line(md, "- **Generator-bound.** A window whose generator used at least 85% of the CPUs it was pinned to is marked `gen!`: the server may have had more to give.");
        Line(md, "- **Fairness.** The .NET servers share host setup (empty WebApplication, Kestrel, HTTP/1.1 on loopback) and GC settings (workstation, non-concurrent). The TypeScript server uses the SDK's stateless pattern (a server per request) and a connection pool like Mxcp's; it is one Node process. Toolbox runs SQLite, not DuckDB, so its row measures transport and framework only.");
        if (report.Quick)
        {
            Line(md, $"- **Quick run.** One window of {s.WindowSeconds} s per cell and short warm-ups: good enough to prove the harness and see orders of magnitude, not for decisions. The full run (`bench/run.sh`) measures each cell three times, interleaved, and starts each project size three times.");
        }
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");

    private static void Line(StringBuilder md, string text = "") => md.Append(text).Append('\n');
}
