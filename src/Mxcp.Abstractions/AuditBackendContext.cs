namespace Mxcp.Abstractions;

/// <summary>
/// What an <see cref="IAuditBackendProvider"/> learns about the audit log it opens. Holds a secret
/// (<see cref="ConnectionString"/>): never log it; <see cref="ToString"/> leaves it out.
/// </summary>
public sealed class AuditBackendContext
{
    /// <summary>The absolute path of the folder holding <c>mxcp-site.yml</c>.</summary>
    public required string ProjectRoot { get; init; }

    /// <summary>The <c>project</c> name.</summary>
    public required string ProjectName { get; init; }

    /// <summary>The active profile.</summary>
    public required string Profile { get; init; }

    /// <summary>The absolute base path of file backends (<c>audit.path</c>, default <c>audit/logs-&lt;profile&gt;.jsonl</c>).</summary>
    public required string Path { get; init; }

    /// <summary>
    /// The connection string of database backends: <c>projects.&lt;project&gt;.profiles.&lt;profile&gt;.audit.connection_string</c>
    /// of the user configuration, references resolved. A secret.
    /// </summary>
    public string? ConnectionString { get; init; }

    /// <summary>Whether each batch must reach stable storage before it counts as written (<c>audit.fsync</c>).</summary>
    public bool FlushToDisk { get; init; } = true;

    /// <summary>The host's services (logging, ...).</summary>
    public required IServiceProvider Services { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{ProjectName}/{Profile} ({Path})";
}
