using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Policies.Cel;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Configuration;

/// <summary>
/// Finds and loads a project's configuration: <c>mxcp-site.yml</c> searched upward, the user
/// configuration from <c>MXCP_CONFIG</c> / <c>MXCP_CONFIG_PATH</c> / <c>~/.mxcp/config.yml</c>, the active profile
/// (options &gt; <c>MXCP_PROFILE</c> &gt; site), references resolved for that profile only, and derived defaults for
/// whichever profile is active.
/// </summary>
internal sealed class ProjectConfigurationLoader(IEnumerable<ISecretProvider> secretProviders, IEnumerable<ISiteConfigSection>? siteSections = null)
{
    private readonly IReadOnlyList<ISecretProvider> _providers = secretProviders.ToArray();
    private readonly IReadOnlyList<ISiteConfigSection> _sections = siteSections?.ToArray() ?? [];

    public static string FindProjectRoot(string startDirectory)
    {
        var dir = new DirectoryInfo(Path.GetFullPath(startDirectory));
        for (var d = dir; d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, SiteConfigReader.FileName)))
            {
                return d.FullName;
            }
        }

        throw new ProjectNotFoundException(dir.FullName);
    }

    public static bool IsTrue(string? value) => value?.Trim().ToLowerInvariant() is "1" or "true" or "yes";

    public static bool IsFalse(string? value) => value?.Trim().ToLowerInvariant() is "0" or "false" or "no";

    public Task<ProjectConfiguration> LoadAsync(MxcpOptions options, CancellationToken cancellationToken = default) =>
        LoadAsync(options, withUserProfile: true, cancellationToken);

    /// <summary>
    /// Loads the site configuration and the top level of the user configuration (<c>transport</c>, <c>logging</c>, ...)
    /// but not the active profile's user settings, so that no secret manager is asked and no secret is resolved: for
    /// the settings a host needs before its plugins are loaded. The result's user profile is empty.
    /// </summary>
    public Task<ProjectConfiguration> LoadTopLevelAsync(MxcpOptions options, CancellationToken cancellationToken = default) =>
        LoadAsync(options, withUserProfile: false, cancellationToken);

    private async Task<ProjectConfiguration> LoadAsync(MxcpOptions options, bool withUserProfile, CancellationToken cancellationToken)
    {
        var env = options.Environment;
        var root = FindProjectRoot(options.ProjectPath ?? Directory.GetCurrentDirectory());
        var siteFile = Path.Combine(root, SiteConfigReader.FileName);
        var resolver = new ReferenceResolver(_providers, env, root);
        var emptyConfig = JsonSerializer.SerializeToElement(new JsonObject());

        var siteNode = YamlDocumentLoader.LoadFile(siteFile, SiteConfigReader.FileName);
        if (siteNode is not null)
        {
            siteNode = await resolver.ResolveAsync(siteNode, SiteConfigReader.FileName, "", emptyConfig, cancellationToken).ConfigureAwait(false);
        }

        // The first look before plugins are loaded accepts their sections unchecked; the full load checks them.
        var site = SiteConfigReader.Read(siteNode, SiteConfigReader.FileName, _sections, otherKeysAllowed: !withUserProfile);
        var profile = NonEmpty(options.Profile) ?? NonEmpty(env("MXCP_PROFILE")) ?? site.Profile;

        var (userFile, userDisplay) = LocateUserConfig(options, env);
        YamlNode? userNode = null;
        var authDeclared = false;
        if (userFile is not null)
        {
            userNode = YamlDocumentLoader.LoadFile(userFile, userDisplay);
            if (userNode is not null)
            {
                authDeclared = DeclaresAuth(userNode, site.Project, profile);
                userNode = await ResolveUserConfigAsync(resolver, userNode, userDisplay, withUserProfile ? (site.Project, profile) : null, cancellationToken).ConfigureAwait(false);
            }
        }

        var user = UserConfigReader.Read(userNode, userDisplay);
        user = EnsureProfile(user, site.Project, profile);
        var userProfile = user.Projects[site.Project].Profiles[profile];

        var siteProfile = DeriveProfile(site, root, profile, env);
        var readOnly = options.ReadOnly == true || IsTrue(env("MXCP_READONLY")) || siteProfile.DuckDb.ReadOnly;
        var debug = options.Debug ?? IsTrue(env("MXCP_DEBUG"));
        var sqlTools = options.SqlTools ?? site.SqlTools.Enabled;
        var policyCostLimit = options.PolicyCostLimit ?? PositiveLong(env, "MXCP_POLICY_COST_LIMIT") ?? CelCost.DefaultLimit;
        var secrets = SecretValues(resolver, userProfile);

        return new ProjectConfiguration
        {
            ProjectRoot = root,
            SiteFile = siteFile,
            UserFile = userFile,
            Site = site,
            User = user,
            Profile = profile,
            SiteProfile = siteProfile,
            UserProfile = userProfile,
            AuthDeclared = withUserProfile ? userProfile.Auth is { Provider: not "none" } : authDeclared,
            ReadOnly = readOnly,
            Debug = debug,
            SqlToolsEnabled = sqlTools,
            PolicyCostLimit = policyCostLimit,
            Secrets = secrets,
            ResultLimits = new ResultLimits
            {
                MaxRows = options.MaxResultRows ?? Limit(env, "MXCP_MAX_RESULT_ROWS") ?? site.Limits.MaxResultRows ?? ResultLimits.DefaultMaxRows,
                MaxBytes = options.MaxResultBytes ?? Limit(env, "MXCP_MAX_RESULT_BYTES") ?? site.Limits.MaxResultBytes ?? ResultLimits.DefaultMaxBytes,
            },
            SiteJson = SiteConfigJson.Build(site, profile, siteProfile, sqlTools, readOnly),
            UserJson = userNode is null ? DefaultUserJson(site.Project, profile) : YamlJson.ToElement(userNode),
        };
    }

    internal static (string? Path, string Display) LocateUserConfig(MxcpOptions options, Func<string, string?> env)
    {
        var explicitPath = NonEmpty(options.UserConfigPath) ?? NonEmpty(env("MXCP_CONFIG")) ?? NonEmpty(env("MXCP_CONFIG_PATH"));
        if (explicitPath is not null)
        {
            var full = Path.GetFullPath(explicitPath);
            if (!File.Exists(full))
            {
                throw new ProjectFileException(full, "user configuration file not found (set by MXCP_CONFIG); create it or unset the variable");
            }

            return (full, full);
        }

        var home = NonEmpty(env("HOME")) ?? System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
        var defaultPath = Path.Combine(home, ".mxcp", "config.yml");
        return File.Exists(defaultPath) ? (defaultPath, defaultPath) : (null, defaultPath);
    }

    /// <summary>
    /// Resolves the top-level keys except <c>projects</c>, then only the active project's active profile; without an
    /// active profile, leaves <c>projects</c> out.
    /// </summary>
    private static async Task<YamlNode> ResolveUserConfigAsync(ReferenceResolver resolver, YamlNode root, string file, (string Project, string Profile)? active, CancellationToken cancellationToken)
    {
        if (root is not YamlMapping mapping)
        {
            return root;
        }

        var emptyConfig = JsonSerializer.SerializeToElement(new JsonObject());
        var entries = new List<KeyValuePair<YamlScalar, YamlNode>>(mapping.Entries.Count);
        foreach (var (key, value) in mapping.Entries)
        {
            entries.Add(key.Value == "projects"
                ? new(key, value)
                : new(key, await resolver.ResolveAsync(value, file, key.Value, emptyConfig, cancellationToken).ConfigureAwait(false)));
        }

        // Secret providers read their own settings (vault, onepassword) from the already resolved top level, checked
        // first so that a mistake there is reported with its file and line rather than as a failed lookup.
        var topLevel = new YamlMapping(entries.Where(e => e.Key.Value != "projects").ToList(), root.Line, root.Column);
        UserConfigReader.Read(topLevel, file);
        if (active is not { Project: var project, Profile: var profile })
        {
            return topLevel;
        }

        var providerConfig = YamlJson.ToElement(topLevel);
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Key.Value == "projects" && entries[i].Value is YamlMapping projects
                && projects[project] is YamlMapping projectNode && projectNode["profiles"] is YamlMapping profiles
                && profiles[profile] is { } profileNode)
            {
                var path = $"projects.{project}.profiles.{profile}";
                var resolved = await resolver.ResolveAsync(profileNode, file, path, providerConfig, cancellationToken).ConfigureAwait(false);
                entries[i] = new(entries[i].Key, Replace(projects, project, Replace(projectNode, "profiles", Replace(profiles, profile, resolved))));
            }
        }

        return new YamlMapping(entries, mapping.Line, mapping.Column);
    }

    /// <summary>
    /// Whether the user configuration as written gives the active profile an <c>auth</c> block whose provider is
    /// anything but missing, empty or the word <c>none</c>, as the reader defaults it; a reference such as
    /// <c>${AUTH_PROVIDER}</c> counts as a provider, and so does an <c>auth</c> that is not a mapping.
    /// </summary>
    internal static bool DeclaresAuth(YamlNode userNode, string project, string profile) =>
        userNode is YamlMapping root
        && root["projects"] is YamlMapping projects && projects[project] is YamlMapping projectNode
        && projectNode["profiles"] is YamlMapping profiles && profiles[profile] is YamlMapping profileNode
        && profileNode["auth"] is { } auth
        && auth is not YamlScalar { IsNull: true }
        && !(auth is YamlMapping block && block["provider"] is null or YamlScalar { IsNull: true } or YamlScalar { Value: "none" });

    private static YamlMapping Replace(YamlMapping mapping, string key, YamlNode value) =>
        new(mapping.Entries.Select(e => e.Key.Value == key ? new KeyValuePair<YamlScalar, YamlNode>(e.Key, value) : e).ToList(), mapping.Line, mapping.Column);

    private static UserConfig EnsureProfile(UserConfig user, string project, string profile)
    {
        var projects = new Dictionary<string, UserProjectConfig>(user.Projects, StringComparer.Ordinal);
        var profiles = projects.TryGetValue(project, out var existing)
            ? new Dictionary<string, UserProfileConfig>(existing.Profiles, StringComparer.Ordinal)
            : new Dictionary<string, UserProfileConfig>(StringComparer.Ordinal);
        profiles.TryAdd(profile, new UserProfileConfig());
        projects[project] = new UserProjectConfig(profiles);
        return user with { Projects = projects };
    }

    private static SiteProfileConfig DeriveProfile(SiteConfig site, string root, string profile, Func<string, string?> env)
    {
        var p = site.Profiles.TryGetValue(profile, out var configured) ? configured : new SiteProfileConfig();
        string Full(string path) => Path.GetFullPath(Path.Combine(root, path));

        var duckPath = NonEmpty(env("MXCP_DUCKDB_PATH")) is { } envPath
            ? Path.GetFullPath(envPath)
            : p.DuckDb.Path is { } configuredPath ? (configuredPath == ":memory:" ? configuredPath : Full(configuredPath))
            : Full(Path.Combine(site.Paths.Data, $"db-{profile}.duckdb"));

        var auditEnabled = p.Audit.Enabled;
        var auditEnv = env("MXCP_AUDIT_ENABLED");
        if (IsTrue(auditEnv))
        {
            auditEnabled = true;
        }
        else if (IsFalse(auditEnv))
        {
            auditEnabled = false;
        }

        // Folders are relative to the project; URL prefixes (s3://bucket/, https://host/) stay as they are.
        var allowedPaths = p.DuckDb.AllowedPaths.Select(a => a.Contains("://", StringComparison.Ordinal) ? a : Full(a)).ToList();
        return new SiteProfileConfig
        {
            DuckDb = p.DuckDb with { Path = duckPath, AllowedPaths = allowedPaths },
            Drift = new DriftProfileConfig { Path = Full(p.Drift.Path ?? Path.Combine(site.Paths.Drift, $"drift-{profile}.json")) },
            Audit = p.Audit with { Enabled = auditEnabled, Path = Full(p.Audit.Path ?? Path.Combine(site.Paths.Audit, $"logs-{profile}.jsonl")) },
        };
    }

    private static JsonElement DefaultUserJson(string project, string profile) => JsonSerializer.SerializeToElement(new JsonObject
    {
        ["mxcp"] = 1,
        ["projects"] = new JsonObject
        {
            [project] = new JsonObject
            {
                ["profiles"] = new JsonObject { [profile] = new JsonObject { ["secrets"] = new JsonArray(), ["plugin"] = new JsonObject { ["config"] = new JsonObject() } } },
            },
        },
    });

    /// <summary>
    /// The values no error, log line or audit record may show: the parameters of the profile's secrets, what secret
    /// providers and <c>file://</c> references resolved to, the audit connection string, the OTLP exporter's headers,
    /// and the auth provider's secrets, passwords and tokens.
    /// </summary>
    private static SensitiveText SecretValues(ReferenceResolver resolver, UserProfileConfig profile)
    {
        var values = new List<string>(resolver.ResolvedSecrets);
        foreach (var secret in profile.Secrets)
        {
            SensitiveText.Collect(secret.Parameters, values);
        }

        if (profile.Audit?.ConnectionString is { } connectionString)
        {
            values.Add(connectionString);
        }

        // Headers of the OTLP exporter carry the collector's credentials (Authorization: Bearer ...).
        if (profile.Telemetry is { } telemetry)
        {
            values.AddRange(telemetry.Headers.Values);
        }

        if (profile.Auth is { } auth)
        {
            foreach (var block in auth.ProviderBlocks.Values)
            {
                CollectSecretKeys(block, values);
            }
        }

        return SensitiveText.Of(values);
    }

    private static void CollectSecretKeys(JsonElement block, List<string> values)
    {
        if (block.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var property in block.EnumerateObject())
        {
            var name = property.Name.ToLowerInvariant();
            if (name.Contains("secret", StringComparison.Ordinal) || name.Contains("password", StringComparison.Ordinal) || name.Contains("token", StringComparison.Ordinal))
            {
                SensitiveText.Collect(property.Value, values);
            }
            else
            {
                CollectSecretKeys(property.Value, values);
            }
        }
    }

    private static long? PositiveLong(Func<string, string?> env, string name)
    {
        if (NonEmpty(env(name)) is not { } text)
        {
            return null;
        }

        return long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ProjectFileException($"environment variable {name}", $"expected a whole number of at least 1, got '{text}'");
    }

    /// <summary>A limit from the environment: a whole number, 0 or more (0 turns the limit off).</summary>
    private static long? Limit(Func<string, string?> env, string name) =>
        NonEmpty(env(name)) is not { } text ? null
        : long.TryParse(text.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value
        : throw new ProjectFileException(name, $"the environment variable must be a whole number of 0 or more (0 for no limit), not '{text}'");

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
