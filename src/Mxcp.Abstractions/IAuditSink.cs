namespace Mxcp.Abstractions;

/// <summary>
/// Where audit records are written. The runtime's background writer calls <see cref="WriteAsync"/> with batches, one
/// at a time and never on a request path, and retries a batch that failed; an implementation must therefore be able
/// to receive the same batch again without storing a record twice.
/// </summary>
public interface IAuditSink
{
    /// <summary>Stores a batch durably (as the backend's durability settings say) before completing.</summary>
    /// <param name="records">The records, oldest first.</param>
    /// <param name="cancellationToken">Cancels the write; the batch is then retried or counted as lost.</param>
    /// <returns>Completes when the batch is stored; throws when it is not.</returns>
    ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken);
}
