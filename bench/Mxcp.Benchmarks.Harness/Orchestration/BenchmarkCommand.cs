using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Mxcp.Benchmarks.Harness.LoadGeneration;
using Mxcp.Benchmarks.Harness.Measurement;
using Mxcp.Benchmarks.Harness.Processes;
using Mxcp.Benchmarks.Harness.Reporting;
using Mxcp.Benchmarks.Harness.Servers;
using Mxcp.Benchmarks.Harness.Startup;
using Mxcp.Benchmarks.Harness.Workloads;

namespace Mxcp.Benchmarks.Harness.Orchestration;

/// <summary>
/// The <c>run</c> command (what <c>bench/run.sh</c> calls once everything is built): prepares the dataset and projects,
/// measures start-up, then drives every server in each mode with the same workloads and concurrencies, and writes the
/// report. A server that fails to start or answers wrongly becomes a failure row in the report, never a silent gap.
/// </summary>
internal sealed class BenchmarkCommand
{
    /// <summary>The two answer sizes at the extremes: the transport's limit for a small and for a large body.</summary>
    private static readonly string[] RawKestrelWorkloads = ["trivial", "list"];

    /// <summary>The workloads measured through the upstream hop as well (a small and a trivial answer).</summary>
    private static readonly string[] HopWorkloads = ["lookup", "trivial"];

    /// <summary>
    /// The workloads measured with audit on as well: the trivial tool, where a record's cost is the largest share of a
    /// call, and the point lookup.
    /// </summary>
    private static readonly string[] AuditWorkloads = ["trivial", "lookup"];

    /// <summary>
    /// The peer each goal over a peer names, by workload: those cells are measured again in paired rounds (see
    /// <see cref="PeerRounds"/>), in both modes, at the goals' concurrencies.
    /// </summary>
    private static readonly Dictionary<string, string> GoalPeers = new() { ["trivial"] = ServerIds.Toolbox, ["lookup"] = ServerIds.TypeScript };

    private readonly BenchmarkPaths _paths;
    private readonly BenchmarkSettings _settings;
    private readonly CpuLayout _cpus;
    private readonly WrkRunner _wrk;
    private readonly HashSet<string>? _onlyServers;
    private readonly HashSet<string>? _onlyWorkloads;
    private readonly List<RunRecord> _runs = [];
    private readonly List<AuditRounds> _auditRounds = [];
    private readonly List<PeerRounds> _peerRounds = [];
    private readonly List<ServerInfo> _servers = [];
    private readonly List<string> _notes = [];
    private readonly Dictionary<(string Server, string Workload, string Protocol), long> _answerBytes = [];
    private readonly HashSet<int> _warmedUp = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(120) };
    private BenchProject _project = null!;

    private BenchmarkCommand(BenchmarkPaths paths, BenchmarkSettings settings, CpuLayout cpus, HashSet<string>? onlyServers, HashSet<string>? onlyWorkloads)
    {
        _paths = paths;
        _settings = settings;
        _cpus = cpus;
        _onlyServers = onlyServers;
        _onlyWorkloads = onlyWorkloads;
        _wrk = new WrkRunner("wrk", paths.WrkScript, cpus, Path.Combine(paths.Work, "requests"));
    }

    public static async Task<int> RunAsync(CommandArguments arguments, CancellationToken cancellationToken)
    {
        arguments.Allow("repo", "quick", "servers", "workloads", "before");
        var before = arguments.Optional("before") is { } beforePath ? Path.GetFullPath(beforePath) : null;
        if (before is not null && !File.Exists(before))
        {
            throw new ArgumentException($"--before {before}: no such file (give the mxcp executable of a Release publish of the earlier commit).");
        }

        var paths = new BenchmarkPaths(Path.GetFullPath(arguments.Required("repo"))) { MxcpBefore = before };
        var settings = BenchmarkSettings.For(arguments.Flag("quick"));
        var cpus = CpuLayout.For(Environment.ProcessorCount, File.Exists("/usr/bin/taskset") || File.Exists("/bin/taskset"));
        HashSet<string>? Filter(string name) => arguments.Optional(name) is { } list ? [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] : null;
        if (Filter("servers")?.FirstOrDefault(id => !ServerIds.All.Contains(id)) is { } unknown)
        {
            throw new ArgumentException($"--servers: no server '{unknown}' (the servers are {string.Join(", ", ServerIds.All)})");
        }

        var command = new BenchmarkCommand(paths, settings, cpus, Filter("servers"), Filter("workloads"));
        return await command.RunAsync(cancellationToken);
    }

    private async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.Now;
        var clock = Stopwatch.StartNew();
        var machine = MachineInfo.Capture();
        Directory.CreateDirectory(_paths.Logs);
        Log($"{(_settings.Quick ? "quick" : "full")} run on {machine.CpuModel}, {machine.Cores} CPUs, {machine.MemoryGib} GiB; load average {machine.LoadAverageAtStart1:0.00} {machine.LoadAverageAtStart5:0.00} {machine.LoadAverageAtStart15:0.00}");
        Log(_cpus.Describe());
        if (machine.LoadAverageAtStart1 > machine.Cores)
        {
            _notes.Add(F($"The machine was busy when the run started (1-minute load average {machine.LoadAverageAtStart1:0.0} on {machine.Cores} CPUs): absolute numbers are lower and noisier than on an idle machine; compare ratios within this run."));
        }

        _project = await BenchProject.PrepareAsync(Path.Combine(_paths.Work, "project"), _paths.Mxcp, Log, cancellationToken);
        var versions = await VersionProbe.CaptureAsync(_paths, _project, cancellationToken);
        var workloads = Workloads().ToList();

        IReadOnlyList<StartupResult> startup = [];
        if (Included(ServerIds.Mxcp))
        {
            try
            {
                startup = await StartupBenchmark.RunAsync(_paths, _settings, _cpus, Log, cancellationToken);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException)
            {
                _notes.Add("The start-up measurement failed: " + e.Message);
                Log("start-up measurement failed: " + e.Message);
            }
        }

        await PhaseAsync("stateless", () => RunStatelessAsync(workloads, cancellationToken), cancellationToken);
        await PhaseAsync("stateful", () => RunStatefulAsync(workloads, cancellationToken), cancellationToken);

        var ratios = RatioCalculator.Ratios(_runs);
        var generatorBound = _runs.Count(r => r.GeneratorBound);
        if (generatorBound > 0)
        {
            _notes.Add($"{generatorBound} window(s) were limited by the load generator (it used at least 85% of its CPUs); they are marked 'gen' in the tables.");
        }

        var report = new BenchmarkReport
        {
            StartedAt = started,
            DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
            Quick = _settings.Quick,
            Machine = machine,
            Cpus = _cpus,
            Versions = versions,
            Settings = _settings,
            Workloads = [.. workloads.Select(w => new WorkloadInfo(w.Name, w.Title, w.IsList ? "tools/list" : $"tools/call {w.Tool} {w.ArgumentsJson}", w.Expect))],
            Servers = _servers,
            Runs = _runs,
            AuditRounds = _auditRounds,
            PeerRounds = _peerRounds,
            Startup = startup,
            Ratios = ratios,
            Targets = RatioCalculator.Targets(ratios, _runs, startup, _servers, _auditRounds, _peerRounds),
            LoadAverageAtEnd = ProcFs.LoadAverage().One,
            Notes = _notes,
        };
        var (markdown, json) = await WriteReportAsync(report, cancellationToken);
        Log($"report written: {markdown} and {json} ({clock.Elapsed.TotalSeconds:0} s)");
        foreach (var target in report.Targets)
        {
            Log($"target {(target.Met switch { true => "met", false => "NOT met", null => "open" })}: {target.Target}: {target.Measured}");
        }

        return 0;
    }

    /// <summary>Runs one phase; an unexpected error ends the phase, not the run: the report still gets written.</summary>
    private async Task PhaseAsync(string name, Func<Task> phase, CancellationToken cancellationToken)
    {
        try
        {
            await phase();
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            _notes.Add($"The {name} phase ended early with an error: {e.GetType().Name}: {e.Message}");
            Log($"the {name} phase ended early: {e}");
        }
    }

    private IEnumerable<Workload> Workloads()
    {
        if (_onlyWorkloads?.FirstOrDefault(name => !_project.Workloads.Any(w => w.Name == name)) is { } unknown)
        {
            throw new ArgumentException($"--workloads: no workload '{unknown}' (the workloads are {string.Join(", ", _project.Workloads.Select(w => w.Name))})");
        }

        return _project.Workloads.Where(w => _onlyWorkloads is null || _onlyWorkloads.Contains(w.Name));
    }

    private IReadOnlyList<int> ConcurrenciesOf(Workload workload) => workload.Concurrencies ?? _settings.Concurrencies;

    private bool Included(string server) => _onlyServers is null || _onlyServers.Contains(server);

    /// <summary>wrk against every server started in stateless mode, plus DuckDB alone for the SQL workloads.</summary>
    private async Task RunStatelessAsync(IReadOnlyList<Workload> workloads, CancellationToken cancellationToken)
    {
        var servers = NewServers(Modes.Stateless);
        try
        {
            await servers.StartAsync(ServerSpecs.Mxcp(_paths, _project, stateless: true), cancellationToken);
            var canned = Path.Combine(_paths.Work, "canned");
            if (Directory.Exists(canned))
            {
                Directory.Delete(canned, recursive: true);
            }

            Directory.CreateDirectory(canned);
            if (servers.Get(ServerIds.Mxcp) is { } mxcp)
            {
                // The raw Kestrel baseline answers with exactly the bytes Mxcp sent for the same request.
                foreach (var workload in workloads.Where(w => RawKestrelWorkloads.Contains(w.Name)))
                {
                    var check = await CheckAsync(mxcp.Url, McpRequest.For(workload, McpRequest.Protocol2025), workload.Expect, cancellationToken);
                    if (check.Good)
                    {
                        await File.WriteAllBytesAsync(Path.Combine(canned, workload.Name + ".sse"), check.Body, cancellationToken);
                    }
                }
            }

            await StartBeforeAsync(servers, stateless: true, cancellationToken);
            await StartHopAsync(servers, workloads, cancellationToken);
            if (workloads.Any(w => AuditWorkloads.Contains(w.Name)))
            {
                DeleteAuditLog();
                await servers.StartAsync(ServerSpecs.MxcpAudit(_paths, _project), cancellationToken);
            }

            await servers.StartAsync(ServerSpecs.BareSdk(_paths, _project, stateless: true), cancellationToken);
            await servers.StartAsync(ServerSpecs.TypeScript(_paths, _project, stateless: true), cancellationToken);
            await servers.StartAsync(ServerSpecs.Toolbox(_paths, ServerSpecs.WriteToolboxConfig(Path.Combine(_paths.Work, "toolbox")), ServerProcess.FreePort()), cancellationToken);
            await servers.StartAsync(ServerSpecs.RawKestrel(_paths, canned), cancellationToken);

            foreach (var workload in workloads)
            {
                var drivers = new List<IWindowDriver>();
                foreach (var id in StatelessServersFor(workload))
                {
                    if (await servers.EnsureRunningAsync(id, cancellationToken) is { } server)
                    {
                        var url = id == ServerIds.RawKestrel ? new Uri(server.Url + "/" + workload.Name) : server.Url;
                        if (await WrkDriverAsync(Modes.Stateless, id, server, url, workload, McpRequest.Protocol2025, cancellationToken) is { } driver)
                        {
                            drivers.Add(driver);
                        }
                    }
                }

                if (workload.IsSql && Included(ServerIds.DuckDbAlone))
                {
                    drivers.Add(ChildGeneratorDriver.Start(
                        ServerIds.DuckDbAlone,
                        ["duckdb-alone", "--database", _project.DatabasePath, "--sql", workload.Sql!, "--arguments", workload.ArgumentsJson],
                        _cpus.ServerCpus, watchedPid: null, Path.Combine(_paths.Logs, "duckdb-alone.log"), WindowWarmup, WindowFor(workload)));
                }

                await MeasureInterleavedAsync(workload, drivers, id => id == ServerIds.DuckDbAlone ? Modes.InProcess : Modes.Stateless, cancellationToken,
                    measured => MeasurePeerRoundsAsync(Modes.Stateless, workload, measured, cancellationToken));
                await MeasureAuditRoundsAsync(servers, workload, cancellationToken);
            }

            NoteAuditLog();
        }
        finally
        {
            await servers.DisposeAsync();
            DeleteAuditLog();
        }
    }

    /// <summary>
    /// Audit on against off again, in <see cref="BenchmarkSettings.AuditRounds"/> paired rounds per concurrency of the
    /// audit target (8 and 32): mxcp and mxcp-audit, both warm from the interleaved windows, are loaded one after the
    /// other for <see cref="BenchmarkSettings.AuditRoundSeconds"/> each, the first of the two alternating between rounds.
    /// </summary>
    private async Task MeasureAuditRoundsAsync(RunningServers servers, Workload workload, CancellationToken cancellationToken)
    {
        if (!AuditWorkloads.Contains(workload.Name)
            || servers.Get(ServerIds.Mxcp) is not { } off
            || servers.Get(ServerIds.MxcpAudit) is not { } on
            || !_runs.Any(r => r.Mode == Modes.Stateless && r.Workload == workload.Name && r.Server == ServerIds.MxcpAudit && r.Succeeded)
            || !_runs.Any(r => r.Mode == Modes.Stateless && r.Workload == workload.Name && r.Server == ServerIds.Mxcp && r.Succeeded))
        {
            return;
        }

        var request = McpRequest.For(workload, McpRequest.Protocol2025);
        foreach (var concurrency in ConcurrenciesOf(workload).Where(c => c is 8 or 32))
        {
            var (offUs, onUs, failure) = await PairedRoundsAsync(
                off.Spec.Id, () => _wrk.RunAsync(off.Url, request, workload.Expect, concurrency, _settings.AuditRoundSeconds, off.Pid, null, cancellationToken),
                on.Spec.Id, () => _wrk.RunAsync(on.Url, request, workload.Expect, concurrency, _settings.AuditRoundSeconds, on.Pid, null, cancellationToken),
                window => window.Measurement.ServerCpuCores > 0 ? window.Measurement.ServerCpuCores / window.Load.RequestsPerSecond * 1e6 : null);
            var rounds = new AuditRounds(workload.Name, concurrency, offUs, onUs, failure);
            _auditRounds.Add(rounds);
            Log(failure is not null
                ? $"[{Modes.Stateless}] {workload.Name} audit rounds c={concurrency}: FAILED: {failure}"
                : F($"[{Modes.Stateless}] {workload.Name} audit rounds c={concurrency}: {rounds.Ratios.Count} rounds, CPU per call on/off median {rounds.MedianRatio:0.000} (quartiles {rounds.LowerQuartileRatio:0.000}-{rounds.UpperQuartileRatio:0.000}), off {rounds.MedianOffCpuPerCallUs:0} us, on {rounds.MedianOnCpuPerCallUs:0} us"));
        }
    }

    /// <summary>
    /// A goal over a peer again, in <see cref="BenchmarkSettings.AuditRounds"/> paired rounds per concurrency of the goal
    /// (8 and 32): mxcp and the peer, both warm from the interleaved windows (in the stateful mode in the same sessions),
    /// are loaded one after the other for <see cref="BenchmarkSettings.AuditRoundSeconds"/> each, the first of the two
    /// alternating between rounds.
    /// </summary>
    private async Task MeasurePeerRoundsAsync(string mode, Workload workload, IReadOnlyList<IWindowDriver> drivers, CancellationToken cancellationToken)
    {
        if (!GoalPeers.TryGetValue(workload.Name, out var peerId)
            || drivers.OfType<WrkDriver>().FirstOrDefault(d => d.Server == ServerIds.Mxcp) is not { } mxcp
            || drivers.OfType<WrkDriver>().FirstOrDefault(d => d.Server == peerId) is not { } peer)
        {
            return;
        }

        foreach (var concurrency in ConcurrenciesOf(workload).Where(c => c is 8 or 32))
        {
            var (mxcpRps, peerRps, failure) = await PairedRoundsAsync(
                mxcp.Server, () => mxcp.MeasureAsync(concurrency, _settings.AuditRoundSeconds, cancellationToken),
                peer.Server, () => peer.MeasureAsync(concurrency, _settings.AuditRoundSeconds, cancellationToken),
                window => window.Load.RequestsPerSecond);
            var rounds = new PeerRounds(mode, workload.Name, concurrency, peerId, mxcpRps, peerRps, failure);
            _peerRounds.Add(rounds);
            Log(failure is not null
                ? $"[{mode}] {workload.Name} rounds against {peerId} c={concurrency}: FAILED: {failure}"
                : F($"[{mode}] {workload.Name} rounds against {peerId} c={concurrency}: {rounds.Ratios.Count} rounds, mxcp / {peerId} median {rounds.MedianRatio:0.000} (quartiles {rounds.LowerQuartileRatio:0.000}-{rounds.UpperQuartileRatio:0.000}), {rounds.MedianMxcpRequestsPerSecond:0} vs {rounds.MedianPeerRequestsPerSecond:0} calls/s"));
        }
    }

    /// <summary>
    /// Up to <see cref="BenchmarkSettings.AuditRounds"/> rounds of one window of <paramref name="a"/> and one of
    /// <paramref name="b"/>, the first of the two alternating between rounds. A window counts when it answered calls
    /// without errors and <paramref name="value"/> gives it a value; the first that does not stops the rounds.
    /// </summary>
    /// <returns>Each side's value per complete round, and why the rounds stopped early.</returns>
    private async Task<(List<double> A, List<double> B, string? Failure)> PairedRoundsAsync(
        string a, Func<Task<MeasuredWindow>> measureA, string b, Func<Task<MeasuredWindow>> measureB, Func<MeasuredWindow, double?> value)
    {
        var valuesA = new List<double>();
        var valuesB = new List<double>();
        for (var round = 0; round < _settings.AuditRounds; round++)
        {
            var values = new double[2];
            foreach (var side in round % 2 == 0 ? new[] { 0, 1 } : [1, 0])
            {
                var (name, measure) = side == 0 ? (a, measureA) : (b, measureB);
                try
                {
                    var window = await measure();
                    if (window.Load is not { Requests: > 0, Errors.Total: 0 } || value(window) is not { } measured)
                    {
                        return (valuesA, valuesB, F($"round {round + 1}: {name} answered {window.Load.Requests} calls with {window.Load.Errors.Total} errors"));
                    }

                    values[side] = measured;
                }
                catch (Exception e) when (e is InvalidOperationException or FormatException or TimeoutException or IOException)
                {
                    return (valuesA, valuesB, F($"round {round + 1}: {name}: {e.Message}"));
                }
            }

            valuesA.Add(values[0]);
            valuesB.Add(values[1]);
        }

        return (valuesA, valuesB, null);
    }

    /// <summary>The folder mxcp-audit writes its JSONL log to: the project's default audit path.</summary>
    private string AuditFolder => Path.Combine(_project.Root, "audit");

    /// <summary>
    /// How much mxcp-audit wrote during its windows: the report's proof that the audited server did audit (a note that it
    /// wrote nothing voids the comparison).
    /// </summary>
    private void NoteAuditLog()
    {
        if (!_runs.Any(r => r.Server == ServerIds.MxcpAudit && r.Succeeded))
        {
            return;
        }

        var files = Directory.Exists(AuditFolder) ? new DirectoryInfo(AuditFolder).GetFiles("*", SearchOption.AllDirectories) : [];
        var bytes = files.Sum(f => f.Length);
        var note = bytes == 0
            ? "mxcp-audit wrote no audit log: its windows did not measure auditing."
            : F($"mxcp-audit's audit log held {bytes / 1048576.0:0} MB in {files.Length} file(s) after its windows (deleted after the stateless servers stopped).");
        _notes.Add(note);
        Log($"[stateless] {note}");
    }

    private void DeleteAuditLog()
    {
        if (Directory.Exists(AuditFolder))
        {
            Directory.Delete(AuditFolder, recursive: true);
        }
    }

    /// <summary>wrk with one initialized session per connection against the default servers, then 2026-07-28 POSTs with wrk.</summary>
    private async Task RunStatefulAsync(IReadOnlyList<Workload> workloads, CancellationToken cancellationToken)
    {
        var servers = NewServers(Modes.Stateful);
        try
        {
            await servers.StartAsync(ServerSpecs.Mxcp(_paths, _project, stateless: false), cancellationToken);
            await StartBeforeAsync(servers, stateless: false, cancellationToken);
            await servers.StartAsync(ServerSpecs.BareSdk(_paths, _project, stateless: false), cancellationToken);
            await servers.StartAsync(ServerSpecs.TypeScript(_paths, _project, stateless: false), cancellationToken);
            await servers.StartAsync(ServerSpecs.Toolbox(_paths, ServerSpecs.WriteToolboxConfig(Path.Combine(_paths.Work, "toolbox")), ServerProcess.FreePort()), cancellationToken);

            foreach (var workload in workloads)
            {
                var drivers = new List<IWindowDriver>();
                foreach (var id in StatefulServersFor(workload))
                {
                    if (await servers.EnsureRunningAsync(id, cancellationToken) is { } server
                        && await WrkDriverAsync(Modes.Stateful, id, server, server.Url, workload, McpRequest.Protocol2025, cancellationToken, inSessions: true) is { } driver)
                    {
                        drivers.Add(driver);
                    }
                }

                await MeasureInterleavedAsync(workload, drivers, _ => Modes.Stateful, cancellationToken,
                    measured => MeasurePeerRoundsAsync(Modes.Stateful, workload, measured, cancellationToken));
            }

            foreach (var workload in workloads.Where(w => w.Name == "lookup" || (w.Name == "trivial" && !_settings.Quick)))
            {
                var drivers = new List<IWindowDriver>();
                foreach (var id in new[] { ServerIds.Mxcp, ServerIds.MxcpBefore, ServerIds.BareSdk })
                {
                    if (await servers.EnsureRunningAsync(id, cancellationToken) is { } server
                        && await WrkDriverAsync(Modes.Stateless2026, id, server, server.Url, workload, McpRequest.Protocol2026, cancellationToken) is { } driver)
                    {
                        drivers.Add(driver);
                    }
                }

                await MeasureInterleavedAsync(workload, drivers, _ => Modes.Stateless2026, cancellationToken);
            }
        }
        finally
        {
            await servers.DisposeAsync();
        }
    }

    /// <summary>The earlier commit's mxcp, when <c>--before</c> names one.</summary>
    private Task StartBeforeAsync(RunningServers servers, bool stateless, CancellationToken cancellationToken) =>
        _paths.MxcpBefore is { } before ? servers.StartAsync(ServerSpecs.MxcpBefore(before, _project, stateless), cancellationToken) : Task.CompletedTask;

    /// <summary>
    /// The gateway in front of the stateless mxcp, once that one runs; ready when it answers the lookup (its upstream
    /// connects in the background after it listens).
    /// </summary>
    private async Task StartHopAsync(RunningServers servers, IReadOnlyList<Workload> workloads, CancellationToken cancellationToken)
    {
        if (servers.Get(ServerIds.Mxcp) is not { } mxcp || workloads.FirstOrDefault(w => HopWorkloads.Contains(w.Name)) is not { } probe)
        {
            return;
        }

        var root = BenchProject.WriteHopProject(Path.Combine(_paths.Work, "hop"), mxcp.Url, _project.DatabasePath);
        await servers.StartAsync(ServerSpecs.MxcpHop(_paths, root), cancellationToken);
        if (servers.Get(ServerIds.MxcpHop) is not { } hop)
        {
            return;
        }

        var deadline = Stopwatch.StartNew();
        while (!(await CheckAsync(hop.Url, McpRequest.For(probe, McpRequest.Protocol2025), probe.Expect, cancellationToken)).Good && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(200, cancellationToken);
        }

        Log($"[stateless] {ServerIds.MxcpHop} serves the upstream's tools after {deadline.Elapsed.TotalSeconds:0.0} s");
    }

    private RunningServers NewServers(string mode) => new(mode, _cpus, _paths.Logs, Included, _servers.Add, Log, _notes.Add);

    /// <summary>The run's window length, or the workload's minimum when that is longer.</summary>
    private int WindowSecondsFor(Workload workload) => Math.Max(_settings.WindowSeconds, workload.MinimumWindowSeconds);

    private TimeSpan WindowFor(Workload workload) => TimeSpan.FromSeconds(WindowSecondsFor(workload));

    private TimeSpan WindowWarmup => TimeSpan.FromSeconds(_settings.WindowWarmupSeconds);

    private IEnumerable<string> StatelessServersFor(Workload workload)
    {
        yield return ServerIds.Mxcp;
        if (_paths.MxcpBefore is not null)
        {
            yield return ServerIds.MxcpBefore;
        }

        if (HopWorkloads.Contains(workload.Name))
        {
            yield return ServerIds.MxcpHop;
        }

        if (AuditWorkloads.Contains(workload.Name))
        {
            yield return ServerIds.MxcpAudit;
        }

        if (workload.Name == "python")
        {
            yield break;
        }

        yield return ServerIds.BareSdk;
        yield return ServerIds.TypeScript;
        if (workload.Name == "trivial")
        {
            yield return ServerIds.Toolbox;
        }

        if (RawKestrelWorkloads.Contains(workload.Name))
        {
            yield return ServerIds.RawKestrel;
        }
    }

    private IEnumerable<string> StatefulServersFor(Workload workload) =>
        StatelessServersFor(workload).Where(id => id is not ServerIds.RawKestrel and not ServerIds.MxcpHop and not ServerIds.MxcpAudit);

    /// <summary>
    /// A wrk driver, once the server answered the check request correctly (else a failure row, and null). With
    /// <paramref name="inSessions"/> each connection calls in its own initialized session, and the check runs in one.
    /// </summary>
    private async Task<IWindowDriver?> WrkDriverAsync(
        string mode, string id, ServerProcess server, Uri url, Workload workload, string protocol, CancellationToken cancellationToken, bool inSessions = false)
    {
        var request = McpRequest.For(workload, protocol);
        var sessions = inSessions ? new McpSessions(_http, url, protocol) : null;
        string? failure;
        try
        {
            var check = await CheckAsync(
                url, sessions is null ? request : request.InSession((await sessions.TakeAsync(1, cancellationToken))[0]), workload.Expect, cancellationToken);
            if (check.Good)
            {
                _answerBytes[(id, workload.Name, protocol)] = check.Body.Length;
                return new WrkDriver(_wrk, id, server.Pid, url, request, workload.Expect, WindowSecondsFor(workload), sessions);
            }

            failure = "the check request was not answered with the expected result" + (sessions is null ? ": " : " in a session: ") + check.Detail;
        }
        catch (Exception e) when (sessions is not null
            && e is InvalidOperationException or HttpRequestException or TaskCanceledException
            && !cancellationToken.IsCancellationRequested)
        {
            failure = "no session: " + e.Message;
        }

        Fail(mode, id, workload, failure);
        if (sessions is not null)
        {
            await sessions.DisposeAsync();
        }

        return null;
    }

    /// <summary>
    /// Warms every driver up, then measures each concurrency <see cref="BenchmarkSettings.Repetitions"/> times, one
    /// window per driver in turn (rotating the order on each repetition), and records the median window of each cell.
    /// </summary>
    /// <param name="afterWindows">Runs after the windows, before the drivers are disposed, with the drivers none of
    /// whose windows failed.</param>
    private async Task MeasureInterleavedAsync(
        Workload workload, IReadOnlyList<IWindowDriver> drivers, Func<string, string> modeOf, CancellationToken cancellationToken,
        Func<IReadOnlyList<IWindowDriver>, Task>? afterWindows = null)
    {
        if (drivers.Count == 0)
        {
            return;
        }

        var failures = new Dictionary<string, string>();
        var concurrencies = ConcurrenciesOf(workload);
        var windows = drivers.ToDictionary(d => d.Server, _ => concurrencies.ToDictionary(c => c, _ => new List<MeasuredWindow>()));
        try
        {
            foreach (var driver in drivers)
            {
                var warmup = _warmedUp.Add(driver.ServerPid) ? _settings.FirstWarmupSeconds : _settings.WarmupSeconds;
                await Guarded(driver, () => driver.WarmUpAsync(concurrencies.Max(), TimeSpan.FromSeconds(warmup), cancellationToken));
            }

            foreach (var concurrency in concurrencies)
            {
                for (var repetition = 0; repetition < _settings.Repetitions; repetition++)
                {
                    foreach (var driver in drivers.Skip(repetition % drivers.Count).Concat(drivers.Take(repetition % drivers.Count)))
                    {
                        await Guarded(driver, async () =>
                        {
                            var window = await driver.MeasureAsync(concurrency, cancellationToken);
                            windows[driver.Server][concurrency].Add(window);
                            LogWindow(modeOf(driver.Server), workload, driver.Server, window);
                        });
                    }
                }
            }

            if (afterWindows is not null)
            {
                await afterWindows([.. drivers.Where(d => !failures.ContainsKey(d.Server))]);
            }
        }
        finally
        {
            foreach (var driver in drivers)
            {
                await driver.DisposeAsync();
            }
        }

        foreach (var driver in drivers)
        {
            var mode = modeOf(driver.Server);
            foreach (var concurrency in concurrencies)
            {
                var cell = windows[driver.Server][concurrency];
                if (cell.Count == 0)
                {
                    Fail(mode, driver.Server, workload, failures.GetValueOrDefault(driver.Server, "no window was measured"), concurrency);
                }
                else
                {
                    var protocol = mode == Modes.Stateless2026 ? McpRequest.Protocol2026 : McpRequest.Protocol2025;
                    Record(mode, driver.Server, workload, cell, _answerBytes.TryGetValue((driver.Server, workload.Name, protocol), out var bytes) ? bytes : null);
                }
            }
        }

        async Task Guarded(IWindowDriver driver, Func<Task> work)
        {
            if (failures.ContainsKey(driver.Server))
            {
                return;
            }

            try
            {
                await work();
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or TimeoutException or IOException or System.ComponentModel.Win32Exception)
            {
                failures[driver.Server] = e.Message;
                Log($"[{modeOf(driver.Server)}] {workload.Name} {driver.Server}: FAILED: {e.Message}");
            }
        }
    }

    /// <summary>One request before the windows: the server must answer with the expected result, or its rows are failures.</summary>
    private async Task<(bool Good, byte[] Body, string Detail)> CheckAsync(Uri url, McpRequest request, string expect, CancellationToken cancellationToken)
    {
        try
        {
            using var message = request.ToHttpRequest(url);
            using var response = await _http.SendAsync(message, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var text = Encoding.UTF8.GetString(body);
            var good = response.IsSuccessStatusCode && AnswerCheck.IsGood(text, expect);
            return (good, body, $"HTTP {(int)response.StatusCode}: {(text.Length > 400 ? text[..400] + "..." : text)}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (false, [], e.Message);
        }
    }

    private void Record(string mode, string server, Workload workload, IReadOnlyList<MeasuredWindow> cell, long? responseBytes)
    {
        var ordered = cell.OrderBy(w => w.Load.RequestsPerSecond).ToList();
        var median = ordered[(ordered.Count - 1) / 2];
        var load = median.Load;
        var measurement = median.Measurement;
        var generatorCores = median.GeneratorCpuCores;
        _runs.Add(new RunRecord
        {
            Mode = mode,
            Workload = workload.Name,
            Server = server,
            Concurrency = load.Concurrency,
            MinimumRequests = workload.MinimumRequests,
            Generator = load.Generator,
            Requests = load.Requests,
            RequestsPerSecond = Math.Round(load.RequestsPerSecond, 1),
            Windows = cell.Count,
            RequestsPerSecondMin = Math.Round(ordered[0].Load.RequestsPerSecond, 1),
            RequestsPerSecondMax = Math.Round(ordered[^1].Load.RequestsPerSecond, 1),
            LatencyMs = load.LatencyMs,
            Errors = new ErrorCounts(
                cell.Sum(w => w.Load.Errors.Connect), cell.Sum(w => w.Load.Errors.Read), cell.Sum(w => w.Load.Errors.Write),
                cell.Sum(w => w.Load.Errors.Timeout), cell.Sum(w => w.Load.Errors.Status), cell.Sum(w => w.Load.Errors.Body)),
            ServerCpuCores = Math.Round(measurement.ServerCpuCores, 2),
            ServerPeakRssMb = Math.Round(cell.Max(w => w.Measurement.ServerPeakRssBytes) / 1048576.0, 1),
            GeneratorCpuCores = generatorCores is { } cores ? Math.Round(cores, 2) : null,
            OtherCpuCores = Math.Round(Math.Max(0, measurement.MachineBusyCores - measurement.ServerCpuCores - (generatorCores ?? 0)), 2),
            LoadAverage = measurement.LoadAverage,
            ResponseBytes = responseBytes,
            GeneratorBound = generatorCores is { } g && g >= 0.85 * _cpus.GeneratorCpuCount,
        });
    }

    private void LogWindow(string mode, Workload workload, string server, MeasuredWindow window)
    {
        var load = window.Load;
        var measurement = window.Measurement;
        var generator = window.GeneratorCpuCores ?? 0;
        var bound = generator >= 0.85 * _cpus.GeneratorCpuCount;
        var other = Math.Max(0, measurement.MachineBusyCores - measurement.ServerCpuCores - generator);
        Log(F($"[{mode}] {workload.Name} {server} c={load.Concurrency}: {load.RequestsPerSecond:0} req/s, p50 {load.LatencyMs.P50:0.00} ms, p99 {load.LatencyMs.P99:0.00} ms, errors {load.Errors.Total}, server CPU {measurement.ServerCpuCores:0.00}, generator CPU {generator:0.00}{(bound ? " (generator-bound)" : "")}, other CPU {other:0.00}"));
    }

    private void Fail(string mode, string server, Workload workload, string reason, int? concurrency = null)
    {
        foreach (var c in concurrency is { } only ? [only] : ConcurrenciesOf(workload))
        {
            _runs.Add(new RunRecord { Mode = mode, Workload = workload.Name, Server = server, Concurrency = c, Failure = reason });
        }

        if (concurrency is null)
        {
            Log($"[{mode}] {workload.Name} {server}: FAILED: {reason}");
        }
    }

    private async Task<(string Markdown, string Json)> WriteReportAsync(BenchmarkReport report, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_paths.Results);
        var name = report.StartedAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + (report.Quick ? "-quick" : "");
        if (File.Exists(Path.Combine(_paths.Results, name + ".md")))
        {
            name += report.StartedAt.ToString("-HHmm", CultureInfo.InvariantCulture);
        }

        var json = Path.Combine(_paths.Results, name + ".json");
        return (await ReportJson.WriteAsync(report, json, cancellationToken), json);
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static void Log(string message)
    {
        Console.Out.WriteLine($"{DateTimeOffset.Now:HH:mm:ss} {message}");
        Console.Out.Flush();
    }
}
