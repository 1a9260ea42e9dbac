using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Configuration;

/// <summary>Reads <c>mxcp-site.yml</c>; unknown keys, wrong types and legacy versions are errors with a location.</summary>
internal static class SiteConfigReader
{
    public const string FileName = "mxcp-site.yml";

    private static readonly Dictionary<string, string?> ExtensionRepos = new(StringComparer.Ordinal)
    {
        ["community"] = "community",
        ["core_nightly"] = "core_nightly",
    };

    public static SiteConfig Read(YamlNode? root, string file)
    {
        if (root is null)
        {
            throw new ProjectFileException(file, "the file is empty; it needs at least 'mxcp: 1', 'project' and 'profile'");
        }

        var r = YamlMappingReader.From(root, file, "");
        var config = new SiteConfig
        {
            Mxcp = LegacyVersion.Read(r, "mxcp-site.yml"),
            Project = r.RequiredString("project"),
            Profile = r.RequiredString("profile"),
            Secrets = r.StringList("secrets", scalarAsList: true) ?? [],
            Plugins = ReadPlugins(r),
            Extensions = ReadExtensions(r),
            Dbt = ReadDbt(r.Mapping("dbt")),
            SqlTools = ReadSqlTools(r.Mapping("sql_tools")),
            Paths = ReadPaths(r.Mapping("paths")),
            Profiles = ReadProfiles(r.Mapping("profiles")),
        };
        r.EnsureNoUnknownKeys();
        return config;
    }

    private static List<SitePluginDefinition> ReadPlugins(YamlMappingReader r)
    {
        var node = r.Get("plugin");
        var items = node switch
        {
            null => [],
            YamlSequence s => s.Items,
            YamlMapping => [node],
            _ => throw r.Error(node, "plugin", $"expected a list of plugins, got {node.Describe()}"),
        };
        var result = new List<SitePluginDefinition>();
        for (var i = 0; i < items.Count; i++)
        {
            var p = YamlMappingReader.From(items[i], r.File, node is YamlSequence ? $"plugin[{i}]" : "plugin");
            result.Add(new SitePluginDefinition(p.RequiredString("name"), p.RequiredString("module"), p.String("config")));
            p.EnsureNoUnknownKeys();
        }

        return result;
    }

    private static List<ExtensionDefinition> ReadExtensions(YamlMappingReader r)
    {
        var seq = r.Sequence("extensions");
        var result = new List<ExtensionDefinition>();
        if (seq is null)
        {
            return result;
        }

        for (var i = 0; i < seq.Items.Count; i++)
        {
            var item = seq.Items[i];
            var path = $"extensions[{i}]";
            if (item is YamlScalar)
            {
                result.Add(new ExtensionDefinition(r.AsString(item, path), null));
                continue;
            }

            var e = YamlMappingReader.From(item, r.File, path);
            var name = e.RequiredString("name");
            var repo = e.String("repo");
            if (repo is not null && !ExtensionRepos.ContainsKey(repo))
            {
                throw e.Error(e.Node["repo"]!, e.PathOf("repo"), $"expected one of community, core_nightly, got '{repo}'");
            }

            e.EnsureNoUnknownKeys();
            result.Add(new ExtensionDefinition(name, repo));
        }

        return result;
    }

    private static DbtConfig ReadDbt(YamlMappingReader? r)
    {
        if (r is null)
        {
            return new DbtConfig();
        }

        var defaults = new DbtConfig();
        var dbt = new DbtConfig
        {
            Enabled = r.Bool("enabled") ?? defaults.Enabled,
            ModelPaths = r.StringList("model_paths", true) ?? defaults.ModelPaths,
            AnalysisPaths = r.StringList("analysis_paths", true) ?? defaults.AnalysisPaths,
            TestPaths = r.StringList("test_paths", true) ?? defaults.TestPaths,
            SeedPaths = r.StringList("seed_paths", true) ?? defaults.SeedPaths,
            MacroPaths = r.StringList("macro_paths", true) ?? defaults.MacroPaths,
            SnapshotPaths = r.StringList("snapshot_paths", true) ?? defaults.SnapshotPaths,
            CleanTargets = r.StringList("clean_targets", true) ?? defaults.CleanTargets,
            TargetPath = r.String("target_path") ?? defaults.TargetPath,
        };
        r.EnsureNoUnknownKeys();
        return dbt;
    }

    private static SqlToolsConfig ReadSqlTools(YamlMappingReader? r)
    {
        if (r is null)
        {
            return new SqlToolsConfig();
        }

        var config = new SqlToolsConfig
        {
            Enabled = r.Bool("enabled") ?? false,
            ExecuteSqlQueryDescription = ToolDescription(r, "execute_sql_query"),
            ListTablesDescription = ToolDescription(r, "list_tables"),
            GetTableSchemaDescription = ToolDescription(r, "get_table_schema"),
        };
        r.EnsureNoUnknownKeys();
        return config;
    }

    private static string? ToolDescription(YamlMappingReader r, string tool)
    {
        var t = r.Mapping(tool);
        if (t is null)
        {
            return null;
        }

        var description = t.String("description");
        if (description is { Length: 0 })
        {
            throw t.Error(t.Node["description"]!, t.PathOf("description"), "must not be empty");
        }

        t.EnsureNoUnknownKeys();
        return description;
    }

    private static PathsConfig ReadPaths(YamlMappingReader? r)
    {
        if (r is null)
        {
            return new PathsConfig();
        }

        var d = new PathsConfig();
        var paths = new PathsConfig
        {
            Tools = r.String("tools") ?? d.Tools,
            Resources = r.String("resources") ?? d.Resources,
            Prompts = r.String("prompts") ?? d.Prompts,
            Evals = r.String("evals") ?? d.Evals,
            Python = r.String("python") ?? d.Python,
            Plugins = r.String("plugins") ?? d.Plugins,
            Sql = r.String("sql") ?? d.Sql,
            Drift = r.String("drift") ?? d.Drift,
            Audit = r.String("audit") ?? d.Audit,
            Data = r.String("data") ?? d.Data,
        };
        r.EnsureNoUnknownKeys();
        return paths;
    }

    private static Dictionary<string, SiteProfileConfig> ReadProfiles(YamlMappingReader? r)
    {
        var result = new Dictionary<string, SiteProfileConfig>(StringComparer.Ordinal);
        if (r is null)
        {
            return result;
        }

        foreach (var (key, value) in r.Node.Entries)
        {
            r.Has(key.Value);
            if (value is YamlScalar { IsNull: true })
            {
                result[key.Value] = new SiteProfileConfig();
                continue;
            }

            var p = YamlMappingReader.From(value, r.File, r.PathOf(key.Value));
            var duck = p.Mapping("duckdb");
            var drift = p.Mapping("drift");
            var audit = p.Mapping("audit");
            var profile = new SiteProfileConfig
            {
                DuckDb = duck is null ? new() : new DuckDbProfileConfig { Path = duck.String("path"), ReadOnly = duck.Bool("readonly") ?? false },
                Drift = drift is null ? new() : new DriftProfileConfig { Path = drift.String("path") },
                Audit = audit is null ? new() : new AuditProfileConfig
                {
                    Enabled = audit.Bool("enabled") ?? false,
                    Path = audit.String("path"),
                    MaxFileSize = audit.Long("max_file_size", min: 1) ?? AuditProfileConfig.DefaultMaxFileSize,
                },
            };
            duck?.EnsureNoUnknownKeys();
            drift?.EnsureNoUnknownKeys();
            audit?.EnsureNoUnknownKeys();
            p.EnsureNoUnknownKeys();
            result[key.Value] = profile;
        }

        return result;
    }
}
