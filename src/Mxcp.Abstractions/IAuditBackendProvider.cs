namespace Mxcp.Abstractions;

/// <summary>
/// Opens an audit backend chosen by <c>profiles.&lt;profile&gt;.audit.backend</c> in <c>mxcp-site.yml</c>. The runtime has the
/// <c>jsonl</c> backend built in; plugins register providers for others (the PostgreSQL plugin provides <c>postgres</c>).
/// </summary>
public interface IAuditBackendProvider
{
    /// <summary>The backend name, matched case-insensitively against <c>audit.backend</c>.</summary>
    string Name { get; }

    /// <summary>Opens the backend. Connecting may be deferred to the first use; configuration errors should throw here.</summary>
    /// <param name="context">The project, profile and audit settings.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>The backend; the caller disposes it.</returns>
    ValueTask<IAuditBackend> CreateAsync(AuditBackendContext context, CancellationToken cancellationToken);
}
