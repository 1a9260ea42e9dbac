using Mxcp.Benchmarks.Harness.Orchestration;

namespace Mxcp.Benchmarks.Harness.Reporting;

/// <summary>One cell measured with audit off (mxcp) and on (mxcp-audit): the same requests, each one audited or not.</summary>
internal sealed record AuditCost(string Workload, int Concurrency, RunRecord Off, RunRecord On)
{
    /// <summary>The most the server's CPU per call may grow with audit on (5 %).</summary>
    public const double Allowed = 1.05;

    /// <summary>Both windows succeeded with enough requests, and the servers used CPU.</summary>
    public bool Measured => Off.Succeeded && On.Succeeded && !Off.TooFewRequests && !On.TooFewRequests
        && Off.RequestsPerSecond > 0 && On.RequestsPerSecond > 0 && Off.ServerCpuCores > 0 && On.ServerCpuCores > 0;

    /// <summary>Server CPU per call with audit off, in microseconds (CPU seconds per second over calls per second).</summary>
    public double OffCpuPerCallUs => Off.ServerCpuCores / Off.RequestsPerSecond * 1e6;

    public double OnCpuPerCallUs => On.ServerCpuCores / On.RequestsPerSecond * 1e6;

    /// <summary>Server CPU per call with audit on over off (above 1: auditing cost CPU).</summary>
    public double CpuRatio => OnCpuPerCallUs / OffCpuPerCallUs;

    /// <summary>Throughput with audit on over off.</summary>
    public double ThroughputRatio => On.RequestsPerSecond / Off.RequestsPerSecond;

    /// <summary>
    /// Whether a miss is within the spread of the windows: the audited server's fastest window came within
    /// <see cref="Allowed"/> of the unaudited server's slowest (both saturate the server CPU at concurrency 8 and 32, where
    /// CPU per call follows throughput).
    /// </summary>
    public bool WithinSpread => On is { Windows: > 1, RequestsPerSecondMax: > 0 } && Off is { Windows: > 1, RequestsPerSecondMin: > 0 }
        && On.RequestsPerSecondMax * Allowed >= Off.RequestsPerSecondMin;

    /// <summary>The stateless cells that have both an mxcp-audit and an mxcp window, by workload then concurrency.</summary>
    public static IReadOnlyList<AuditCost> Of(IReadOnlyList<RunRecord> runs) =>
        [.. runs.Where(r => r.Mode == Modes.Stateless && r.Server == ServerIds.MxcpAudit)
            .Select(on => (On: on, Off: runs.FirstOrDefault(r => r.Mode == on.Mode && r.Workload == on.Workload && r.Server == ServerIds.Mxcp && r.Concurrency == on.Concurrency)))
            .Where(p => p.Off is not null)
            .Select(p => new AuditCost(p.On.Workload, p.On.Concurrency, p.Off!, p.On))
            .OrderBy(c => c.Workload, StringComparer.Ordinal).ThenBy(c => c.Concurrency)];
}
