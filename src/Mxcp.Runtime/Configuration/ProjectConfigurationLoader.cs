using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Configuration;

/// <summary>
/// Finds and loads a project's configuration: <c>mxcp-site.yml</c> searched upward, the user
/// configuration from <c>MXCP_CONFIG</c> / <c>MXCP_CONFIG_PATH</c> / <c>~/.mxcp/config.yml</c>, the active profile
/// (options &gt; <c>MXCP_PROFILE</c> &gt; site), references resolved for that profile only, and derived defaults for
/// whichever profile is active.
/// </summary>
internal sealed class ProjectConfigurationLoader(IEnumerable<ISecretProvider> secretProviders)
{
    private readonly IReadOnlyList<ISecretProvider> _providers = secretProviders.ToArray();

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

    public async Task<ProjectConfiguration> LoadAsync(MxcpOptions options, CancellationToken cancellationToken = default)
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

        var site = SiteConfigReader.Read(siteNode, SiteConfigReader.FileName);
        var profile = NonEmpty(options.Profile) ?? NonEmpty(env("MXCP_PROFILE")) ?? site.Profile;

        var (userFile, userDisplay) = LocateUserConfig(options, env);
        YamlNode? userNode = null;
        if (userFile is not null)
        {
            userNode = YamlDocumentLoader.LoadFile(userFile, userDisplay);
            if (userNode is not null)
            {
                userNode = await ResolveUserConfigAsync(resolver, userNode, userDisplay, site.Project, profile, cancellationToken).ConfigureAwait(false);
            }
        }

        var user = UserConfigReader.Read(userNode, userDisplay);
        user = EnsureProfile(user, site.Project, profile);
        var userProfile = user.Projects[site.Project].Profiles[profile];

        var siteProfile = DeriveProfile(site, root, profile, env);
        var readOnly = options.ReadOnly == true || IsTrue(env("MXCP_READONLY")) || siteProfile.DuckDb.ReadOnly;
        var debug = options.Debug ?? IsTrue(env("MXCP_DEBUG"));
        var sqlTools = options.SqlTools ?? site.SqlTools.Enabled;

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
            ReadOnly = readOnly,
            Debug = debug,
            SqlToolsEnabled = sqlTools,
            SiteJson = SiteConfigJson.Build(site, profile, siteProfile, sqlTools, readOnly),
            UserJson = userNode is null ? DefaultUserJson(site.Project, profile) : YamlJson.ToElement(userNode),
        };
    }

    private static (string? Path, string Display) LocateUserConfig(MxcpOptions options, Func<string, string?> env)
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

    /// <summary>Resolves the top-level keys except <c>projects</c>, then only the active project's active profile.</summary>
    private static async Task<YamlNode> ResolveUserConfigAsync(ReferenceResolver resolver, YamlNode root, string file, string project, string profile, CancellationToken cancellationToken)
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

        // Secret providers read their own settings (vault, onepassword) from the already resolved top level.
        var providerConfig = YamlJson.ToElement(new YamlMapping(entries.Where(e => e.Key.Value != "projects").ToList(), root.Line, root.Column));
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

        return new SiteProfileConfig
        {
            DuckDb = p.DuckDb with { Path = duckPath },
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

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
