namespace Mxcp.Abstractions;

/// <summary>Reads, counts and expires the audit records of a backend (<c>mxcp log</c>, the admin API, <c>mxcp log-cleanup</c>).</summary>
public interface IAuditStore
{
    /// <summary>Streams the records matching <paramref name="query"/>, newest first, without loading the log into memory.</summary>
    /// <param name="query">The filters, limit and offset.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The matching records.</returns>
    IAsyncEnumerable<AuditRecord> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default);

    /// <summary>Counts the records of a time range by type, status and policy decision.</summary>
    /// <param name="startTime">Only records at or after this instant.</param>
    /// <param name="endTime">Only records at or before this instant.</param>
    /// <param name="cancellationToken">Stops counting.</param>
    /// <returns>The counts and the time span of the records.</returns>
    ValueTask<AuditStats> GetStatsAsync(DateTimeOffset? startTime = null, DateTimeOffset? endTime = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the records older than their schema's cutoff, or with <paramref name="dryRun"/> only counts what a real
    /// run would delete. Records of schemas without a cutoff are kept.
    /// </summary>
    /// <param name="cutoffs">Per <c>schema_name</c>: records with an earlier <c>timestamp</c> expire.</param>
    /// <param name="dryRun">Count only; delete nothing.</param>
    /// <param name="cancellationToken">Stops the run; what was deleted stays deleted.</param>
    /// <returns>The number of (expiring) records per schema id <c>name:vN</c>, e.g. <c>mxcp.endpoints:v2</c>.</returns>
    ValueTask<IReadOnlyDictionary<string, long>> ApplyRetentionAsync(IReadOnlyDictionary<string, DateTimeOffset> cutoffs, bool dryRun, CancellationToken cancellationToken = default);
}
