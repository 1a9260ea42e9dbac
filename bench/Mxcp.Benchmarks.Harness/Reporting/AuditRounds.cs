namespace Mxcp.Benchmarks.Harness.Reporting;

/// <summary>
/// One cell of audit on against off measured in paired rounds: in each round mxcp and mxcp-audit were loaded one after
/// the other for a short window (the order alternating between rounds), both processes alive and warm on the same CPU,
/// and each window's server CPU per call was read from /proc. A slow spell of the machine falls on both windows of a
/// round, so the ratio per round is far steadier than one server's windows against the other's.
/// </summary>
/// <param name="OffCpuPerCallUs">mxcp's CPU per call in each round, in microseconds.</param>
/// <param name="OnCpuPerCallUs">mxcp-audit's, in the same rounds.</param>
/// <param name="Failure">Why the rounds stopped early, if they did.</param>
internal sealed record AuditRounds(string Workload, int Concurrency, IReadOnlyList<double> OffCpuPerCallUs, IReadOnlyList<double> OnCpuPerCallUs, string? Failure = null)
{
    /// <summary>The fewest rounds whose median decides the audit target.</summary>
    public const int MinimumRounds = 5;

    /// <summary>CPU per call with audit on over off, per round.</summary>
    public IReadOnlyList<double> Ratios => [.. OffCpuPerCallUs.Zip(OnCpuPerCallUs, (off, on) => on / off)];

    /// <summary>Enough rounds were measured, and none failed.</summary>
    public bool Measured => Failure is null && Ratios.Count >= MinimumRounds;

    public double MedianRatio => Quantile(Ratios, 0.5);

    public double LowerQuartileRatio => Quantile(Ratios, 0.25);

    public double UpperQuartileRatio => Quantile(Ratios, 0.75);

    public double MedianOffCpuPerCallUs => Quantile(OffCpuPerCallUs, 0.5);

    public double MedianOnCpuPerCallUs => Quantile(OnCpuPerCallUs, 0.5);

    /// <summary>The <paramref name="q"/> quantile, interpolated between the two nearest of the sorted values.</summary>
    public static double Quantile(IReadOnlyList<double> values, double q)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var position = (sorted.Length - 1) * q;
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((sorted[above] - sorted[below]) * (position - below));
    }
}
