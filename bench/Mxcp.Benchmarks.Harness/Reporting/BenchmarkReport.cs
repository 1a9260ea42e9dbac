using Mxcp.Benchmarks.Harness.Measurement;
using Mxcp.Benchmarks.Harness.Orchestration;
using Mxcp.Benchmarks.Harness.Startup;

namespace Mxcp.Benchmarks.Harness.Reporting;

/// <summary>Everything one run measured: written as <c>bench/results/&lt;date&gt;.json</c> and rendered as Markdown.</summary>
internal sealed record BenchmarkReport
{
    public int Schema { get; init; } = 1;

    public required DateTimeOffset StartedAt { get; init; }

    public required double DurationSeconds { get; init; }

    public required bool Quick { get; init; }

    public required MachineInfo Machine { get; init; }

    public required CpuLayout Cpus { get; init; }

    public required IReadOnlyDictionary<string, string> Versions { get; init; }

    public required BenchmarkSettings Settings { get; init; }

    public required IReadOnlyList<WorkloadInfo> Workloads { get; init; }

    public required IReadOnlyList<ServerInfo> Servers { get; init; }

    public required IReadOnlyList<RunRecord> Runs { get; init; }

    /// <summary>Audit on against off in paired rounds (reports before 2026-12-07 have none).</summary>
    public IReadOnlyList<AuditRounds> AuditRounds { get; init; } = [];

    /// <summary>Mxcp against MCP Toolbox and the TypeScript server in paired rounds (reports before 2026-12-07 20:00 have none).</summary>
    public IReadOnlyList<PeerRounds> PeerRounds { get; init; } = [];

    public required IReadOnlyList<StartupResult> Startup { get; init; }

    public required IReadOnlyList<Ratio> Ratios { get; init; }

    public required IReadOnlyList<TargetResult> Targets { get; init; }

    public required double LoadAverageAtEnd { get; init; }

    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>A workload as the report describes it.</summary>
internal sealed record WorkloadInfo(string Name, string Title, string Request, string Expect);

/// <summary>A server that took part, what it contains, and its RSS once started (idle, before any load).</summary>
internal sealed record ServerInfo(string Id, string Mode, string Contents, double? StartedRssMb, string? Failure);

/// <summary>A ratio the report is about, for one mode, workload and concurrency.</summary>
internal sealed record Ratio(string Name, string Mode, string Workload, int Concurrency, double Value, string Unit);

/// <summary>A performance target and whether this run met it (null: not measured).</summary>
internal sealed record TargetResult(string Target, string Measured, bool? Met);
