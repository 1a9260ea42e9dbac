using Mxcp.Abstractions;

namespace Mxcp.Runtime.Audit;

/// <summary>Accumulates <see cref="AuditStats"/> one record at a time, so stats never hold the records.</summary>
internal sealed class AuditStatsBuilder
{
    private readonly SortedDictionary<string, long> _byType = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _byStatus = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _byPolicy = new(StringComparer.Ordinal);
    private long _total;
    private DateTimeOffset? _earliest;
    private DateTimeOffset? _latest;

    public void Add(string? operationType, string? operationStatus, string? policyDecision, DateTimeOffset timestamp)
    {
        _total++;
        Increment(_byType, operationType ?? "unknown");
        Increment(_byStatus, operationStatus ?? "unknown");
        if (policyDecision is not null)
        {
            Increment(_byPolicy, policyDecision);
        }

        if (_earliest is null || timestamp < _earliest)
        {
            _earliest = timestamp;
        }

        if (_latest is null || timestamp > _latest)
        {
            _latest = timestamp;
        }
    }

    public AuditStats Build() => new()
    {
        TotalRecords = _total,
        ByType = _byType,
        ByStatus = _byStatus,
        ByPolicy = _byPolicy,
        EarliestTimestamp = _earliest,
        LatestTimestamp = _latest,
    };

    private static void Increment(SortedDictionary<string, long> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;
}
