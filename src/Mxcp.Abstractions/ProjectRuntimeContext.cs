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

    /// <summary>The largest result one call may produce (<c>limits</c> in <c>mxcp-site.yml</c>, <c>MXCP_MAX_RESULT_ROWS</c>, <c>MXCP_MAX_RESULT_BYTES</c>).</summary>
    public ResultLimits ResultLimits { get; init; } = ResultLimits.Default;

    /// <summary>The project's SQL database, once an executor that provides one was created (see <see cref="IEndpointExecutorProvider.Order"/>).</summary>
    public ISqlDatabase? SqlDatabase { get; init; }

    /// <summary>
    /// Whether the executor is started only for the SQL functions it provides (<see cref="ISqlFunctionProvider"/>,
    /// see <see cref="IEndpointExecutorProvider.ProvidesSqlFunctions"/>) and runs no endpoints: <c>mxcp validate</c> and
    /// <c>mxcp query</c> start it so that SQL calling the functions prepares and runs. It then loads only what the
    /// functions need (the Python executor imports the plugin modules, not the project's <c>python/</c> code, and runs
    /// no <c>@on_init</c> hooks).
    /// </summary>
    public bool SqlFunctionsOnly { get; init; }

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
