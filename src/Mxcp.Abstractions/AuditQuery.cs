namespace Mxcp.Abstractions;

/// <summary>
/// Which audit records to read: every filter that is set must match (a list matches any of its values). Records come
/// newest first. Values are compared exactly; stores never splice them into query text.
/// </summary>
public sealed class AuditQuery
{
    /// <summary><c>record_id</c> is one of these.</summary>
    public IReadOnlyList<string>? RecordIds { get; init; }

    /// <summary><c>schema_name</c> equals this value.</summary>
    public string? SchemaName { get; init; }

    /// <summary><c>timestamp</c> at or after this instant.</summary>
    public DateTimeOffset? StartTime { get; init; }

    /// <summary><c>timestamp</c> at or before this instant.</summary>
    public DateTimeOffset? EndTime { get; init; }

    /// <summary><c>operation_type</c> is one of these (<c>tool</c>, <c>resource</c>, <c>prompt</c>).</summary>
    public IReadOnlyList<string>? OperationTypes { get; init; }

    /// <summary><c>operation_name</c> is one of these.</summary>
    public IReadOnlyList<string>? OperationNames { get; init; }

    /// <summary><c>operation_status</c> is one of these (<c>success</c>, <c>error</c>).</summary>
    public IReadOnlyList<string>? OperationStatuses { get; init; }

    /// <summary><c>user_id</c> is one of these.</summary>
    public IReadOnlyList<string>? UserIds { get; init; }

    /// <summary><c>session_id</c> is one of these.</summary>
    public IReadOnlyList<string>? SessionIds { get; init; }

    /// <summary><c>trace_id</c> is one of these.</summary>
    public IReadOnlyList<string>? TraceIds { get; init; }

    /// <summary>
    /// <c>policy_decision</c> is one of these (<c>allow</c>, <c>deny</c>, <c>warn</c>); a <see langword="null"/> item
    /// matches records without a policy decision.
    /// </summary>
    public IReadOnlyList<string?>? PolicyDecisions { get; init; }

    /// <summary>At most this many records; <see langword="null"/> for all of them.</summary>
    public int? Limit { get; init; }

    /// <summary>Skip this many matching records first.</summary>
    public int Offset { get; init; }
}
