using System.Runtime.CompilerServices;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Audit;

/// <summary>
/// The audit log of the running server, as the host's <see cref="IAuditStore"/> (the admin API queries it): the active
/// backend while audit is on, otherwise an empty log (no records, zero counts), as the reference answers.
/// </summary>
internal sealed class AuditLog : IAuditStore
{
    private volatile IAuditBackend? _backend;

    /// <summary>Whether audit records are being written (the admin API's <c>features.audit_logging</c>).</summary>
    public bool IsEnabled => _backend is not null;

    public void Attach(IAuditBackend backend) => _backend = backend;

    public IAuditBackend? Detach() => Interlocked.Exchange(ref _backend, null);

    public IAsyncEnumerable<AuditRecord> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default) =>
        _backend is { } backend ? backend.QueryAsync(query, cancellationToken) : Empty(cancellationToken);

    public ValueTask<AuditStats> GetStatsAsync(DateTimeOffset? startTime = null, DateTimeOffset? endTime = null, CancellationToken cancellationToken = default) =>
        _backend is { } backend ? backend.GetStatsAsync(startTime, endTime, cancellationToken) : ValueTask.FromResult(new AuditStats());

    public ValueTask<IReadOnlyDictionary<string, long>> ApplyRetentionAsync(IReadOnlyDictionary<string, DateTimeOffset> cutoffs, bool dryRun, CancellationToken cancellationToken = default) =>
        _backend is { } backend
            ? backend.ApplyRetentionAsync(cutoffs, dryRun, cancellationToken)
            : ValueTask.FromResult<IReadOnlyDictionary<string, long>>(new Dictionary<string, long>());

    private static async IAsyncEnumerable<AuditRecord> Empty([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        yield break;
    }
}
