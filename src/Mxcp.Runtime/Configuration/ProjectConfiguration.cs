using System.Text.Json;

namespace Mxcp.Runtime.Configuration;

/// <summary>The loaded configuration of a project for its active profile: site and user files, references resolved.</summary>
internal sealed class ProjectConfiguration
{
    public required string ProjectRoot { get; init; }

    public required string SiteFile { get; init; }

    /// <summary>The user configuration file, or <see langword="null"/> when defaults are used.</summary>
    public string? UserFile { get; init; }

    public required SiteConfig Site { get; init; }

    public required UserConfig User { get; init; }

    public required string Profile { get; init; }

    /// <summary>The active site profile with derived defaults: absolute DuckDB, drift and audit paths.</summary>
    public required SiteProfileConfig SiteProfile { get; init; }

    public required UserProfileConfig UserProfile { get; init; }

    /// <summary>
    /// Whether the active profile's <c>auth</c> block names a provider other than <c>none</c>. After a full load it is
    /// the resolved provider's; after <see cref="ProjectConfigurationLoader.LoadTopLevelAsync"/>, which leaves the
    /// profiles unresolved, it is read from the file as written, and a provider given by a reference counts as named.
    /// </summary>
    public bool AuthDeclared { get; init; }

    public bool ReadOnly { get; init; }

    public bool Debug { get; init; }

    public bool SqlToolsEnabled { get; init; }

    /// <summary>The resolved secret values of the active profile, which errors, log lines and audit records never show.</summary>
    public Execution.SensitiveText Secrets { get; init; } = Execution.SensitiveText.None;

    /// <summary>The most one policy rule's evaluation may cost (<see cref="Policies.Cel.CelCost"/>).</summary>
    public long PolicyCostLimit { get; init; } = Policies.Cel.CelCost.DefaultLimit;

    /// <summary>The largest result one call may produce: options, then the environment, then <c>limits</c>, then the defaults.</summary>
    public Abstractions.ResultLimits ResultLimits { get; init; } = Abstractions.ResultLimits.Default;

    /// <summary>The site configuration as JSON for plugins (<see cref="Abstractions.ProjectRuntimeContext.SiteConfig"/>).</summary>
    public required JsonElement SiteJson { get; init; }

    /// <summary>The user configuration as JSON; references resolved for the active profile only.</summary>
    public required JsonElement UserJson { get; init; }

    public string ProjectName => Site.Project;

    /// <summary>The <c>claim_mappings</c> of the active profile's auth provider, if any.</summary>
    public JsonElement? ClaimMappings =>
        UserProfile.Auth is { } auth && auth.ProviderBlocks.TryGetValue(auth.Provider, out var block)
        && block.TryGetProperty("claim_mappings", out var mappings) ? mappings : null;

    public string ResolvePath(string relative) => Path.GetFullPath(Path.Combine(ProjectRoot, relative));
}
