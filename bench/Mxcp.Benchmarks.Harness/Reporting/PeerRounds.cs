namespace Mxcp.Benchmarks.Harness.Reporting;

/// <summary>
/// One cell of a goal over a peer (MCP Toolbox for <c>select 1</c>, the TypeScript server for the point lookup) measured
/// again in paired rounds: in each round mxcp and the peer were loaded one after the other for a short window (the
/// order alternating between rounds), both warm on the same CPU. A slow spell of a shared machine falls on both windows
/// of a round, so the ratio per round is far steadier than the median window of one server against the other's, which
/// can lie minutes apart.
/// </summary>
/// <param name="MxcpRequestsPerSecond">mxcp's calls per second in each round.</param>
/// <param name="PeerRequestsPerSecond">The peer's, in the same rounds.</param>
/// <param name="Failure">Why the rounds stopped early, if they did.</param>
internal sealed record PeerRounds(
    string Mode, string Workload, int Concurrency, string Peer,
    IReadOnlyList<double> MxcpRequestsPerSecond, IReadOnlyList<double> PeerRequestsPerSecond, string? Failure = null)
{
    /// <summary>mxcp's throughput over the peer's, per round.</summary>
    public IReadOnlyList<double> Ratios => [.. MxcpRequestsPerSecond.Zip(PeerRequestsPerSecond, (mxcp, peer) => mxcp / peer)];

    /// <summary>Enough rounds were measured, and none failed.</summary>
    public bool Measured => Failure is null && Ratios.Count >= AuditRounds.MinimumRounds;

    public double MedianRatio => AuditRounds.Quantile(Ratios, 0.5);

    public double LowerQuartileRatio => AuditRounds.Quantile(Ratios, 0.25);

    public double UpperQuartileRatio => AuditRounds.Quantile(Ratios, 0.75);

    public double MedianMxcpRequestsPerSecond => AuditRounds.Quantile(MxcpRequestsPerSecond, 0.5);

    public double MedianPeerRequestsPerSecond => AuditRounds.Quantile(PeerRequestsPerSecond, 0.5);
}
