namespace Mxcp.Benchmarks.Harness.Orchestration;

/// <summary>
/// How long and how often each window runs. The full run measures every cell three times, interleaving the servers
/// (in rotated order) so that drifting background load hits all of them alike, and reports the median window;
/// <c>--quick</c> measures each cell once, with short windows, to finish in a few minutes. A server process's first workload
/// (and DuckDB alone's, a new process per workload) warms up for <c>FirstWarmupSeconds</c> instead of
/// <c>WarmupSeconds</c>: a freshly started .NET server spends
/// its first seconds of load compiling its call path (on one CPU, the runtime's recompilation thread took 1.0-1.3 s of
/// the first 2 s at concurrency 1 after a 3 s warm-up), and those seconds would otherwise fall into the first
/// workload's concurrency-1 windows. Audit on against off is measured again in <c>AuditRounds</c> paired rounds of
/// <c>AuditRoundSeconds</c> windows (see <see cref="Reporting.AuditRounds"/>), and so are the goals over a peer, Mxcp
/// against MCP Toolbox and the TypeScript server (see <see cref="Reporting.PeerRounds"/>).
/// </summary>
internal sealed record BenchmarkSettings(
    bool Quick,
    IReadOnlyList<int> Concurrencies,
    int Repetitions,
    double WarmupSeconds,
    double FirstWarmupSeconds,
    int WindowSeconds,
    double WindowWarmupSeconds,
    int StartupRepetitions,
    double IdleSettleSeconds,
    int AuditRounds,
    int AuditRoundSeconds)
{
    public static BenchmarkSettings For(bool quick) => quick
        ? new BenchmarkSettings(true, [1, 8, 32], Repetitions: 1, WarmupSeconds: 0.5, FirstWarmupSeconds: 1, WindowSeconds: 1, WindowWarmupSeconds: 0.3, StartupRepetitions: 1, IdleSettleSeconds: 1, AuditRounds: 2, AuditRoundSeconds: 1)
        : new BenchmarkSettings(false, [1, 8, 32], Repetitions: 3, WarmupSeconds: 3, FirstWarmupSeconds: 10, WindowSeconds: 3, WindowWarmupSeconds: 0.5, StartupRepetitions: 3, IdleSettleSeconds: 3, AuditRounds: 15, AuditRoundSeconds: 2);
}
