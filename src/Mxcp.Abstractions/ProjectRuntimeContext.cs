using System.Text.Json;

namespace Mxcp.Abstractions;

/// <summary>
/// What an <see cref="IEndpointExecutorProvider"/> learns about the project when a snapshot is built: paths,
/// the active profile and the configuration with references resolved. Holds secrets: never log it.
/// </summary>
public sealed class ProjectRuntimeContext
{
    /// <summary>The absolute path of the folder holding <c>mxcp-site.yml</c>.</summary>
    public required string ProjectRoot { get; init; }

    /// <summary>The <c>project</c> name.</summary>
    public required string ProjectName { get; init; }

    /// <summary>The active profile.</summary>
    public required string Profile { get; init; }

    /// <summary>Whether the database must be opened read-only (<c>--readonly</c>, <c>MXCP_READONLY</c> or the profile).</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Whether debug output is on.</summary>
    public bool Debug { get; init; }

    /// <summary>
    /// The site configuration as JSON, with the active profile's derived defaults filled in (absolute
    /// <c>profiles.&lt;profile&gt;.duckdb.path</c>, ...) and command-line overrides applied (<c>sql_tools.enabled</c>).
    /// </summary>
    public required JsonElement SiteConfig { get; init; }

    /// <summary>The user configuration as JSON; references resolved for the active profile only.</summary>
    public required JsonElement UserConfig { get; init; }

    /// <summary>The secrets of the active profile, references resolved.</summary>
    public IReadOnlyList<SecretDefinition> Secrets { get; init; } = [];

    /// <summary>The project's SQL database, once an executor that provides one was created (see <see cref="IEndpointExecutorProvider.Order"/>).</summary>
    public ISqlDatabase? SqlDatabase { get; init; }

    /// <summary>The host's services (logging, options, ...).</summary>
    public required IServiceProvider Services { get; init; }
}

/// <summary>A secret of the active profile (<c>projects.&lt;p&gt;.profiles.&lt;profile&gt;.secrets</c>).</summary>
public sealed class SecretDefinition
{
    /// <summary>The secret name.</summary>
    public required string Name { get; init; }

    /// <summary>The secret type (<c>s3</c>, <c>http</c>, <c>database</c>, ...).</summary>
    public required string Type { get; init; }

    /// <summary>The parameters (a JSON object of strings, or of string maps), references resolved.</summary>
    public required JsonElement Parameters { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Type})";
}
