namespace Mxcp.Abstractions;

/// <summary>Counts over the audit records of a time range (the admin API's <c>/audit/stats</c>).</summary>
public sealed class AuditStats
{
    /// <summary><c>total_records</c>.</summary>
    public long TotalRecords { get; init; }

    /// <summary><c>by_type</c>: records per <c>operation_type</c>.</summary>
    public IReadOnlyDictionary<string, long> ByType { get; init; } = new Dictionary<string, long>();

    /// <summary><c>by_status</c>: records per <c>operation_status</c>.</summary>
    public IReadOnlyDictionary<string, long> ByStatus { get; init; } = new Dictionary<string, long>();

    /// <summary><c>by_policy</c>: records per non-null <c>policy_decision</c>.</summary>
    public IReadOnlyDictionary<string, long> ByPolicy { get; init; } = new Dictionary<string, long>();

    /// <summary><c>earliest_timestamp</c>, or <see langword="null"/> without records.</summary>
    public DateTimeOffset? EarliestTimestamp { get; init; }

    /// <summary><c>latest_timestamp</c>, or <see langword="null"/> without records.</summary>
    public DateTimeOffset? LatestTimestamp { get; init; }
}
