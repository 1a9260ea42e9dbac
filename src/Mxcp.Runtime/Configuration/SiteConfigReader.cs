using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Runtime.Audit;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Configuration;

/// <summary>Reads <c>mxcp-site.yml</c>; unknown keys, wrong types and legacy versions are errors with a location.</summary>
internal static partial class SiteConfigReader
{
    public const string FileName = "mxcp-site.yml";

    private static readonly Dictionary<string, string?> ExtensionRepos = new(StringComparer.Ordinal)
    {
        ["community"] = "community",
        ["core_nightly"] = "core_nightly",
    };

    /// <summary>Reads the file's root node.</summary>
    /// <param name="root">The root node, references resolved.</param>
    /// <param name="file">The file name for messages.</param>
    /// <param name="sections">The plugins' top-level sections; each present one is checked and kept as JSON.</param>
    /// <param name="otherKeysAllowed">Accept top-level keys nobody reads (a first look before the plugins are loaded).</param>
    public static SiteConfig Read(YamlNode? root, string file, IReadOnlyList<ISiteConfigSection>? sections = null, bool otherKeysAllowed = false)
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
            Limits = ReadLimits(r.Mapping("limits")),
            Profiles = ReadProfiles(r.Mapping("profiles")),
            Sections = ReadSections(r, sections ?? []),
        };
        if (!otherKeysAllowed)
        {
            r.EnsureNoUnknownKeys();
        }

        return config;
    }

    private static LimitsConfig ReadLimits(YamlMappingReader? r)
    {
        if (r is null)
        {
            return new LimitsConfig();
        }

        var limits = new LimitsConfig { MaxResultRows = r.Long("max_result_rows", min: 0), MaxResultBytes = r.Long("max_result_bytes", min: 0) };
        r.EnsureNoUnknownKeys();
        return limits;
    }

    /// <summary>The plugins' sections that are present, checked by their plugin; a problem names the line of the value it is about.</summary>
    private static Dictionary<string, JsonElement> ReadSections(YamlMappingReader r, IReadOnlyList<ISiteConfigSection> sections)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var section in sections)
        {
            if (r.Get(section.Key) is not { } node)
            {
                continue;
            }

            var value = YamlJson.ToElement(node);
            if (section.Validate(value).FirstOrDefault() is { } problem)
            {
                var at = YamlPath.Find(node, problem.Path);
                var path = problem.Path.Length == 0 ? section.Key : problem.Path.StartsWith('[') ? section.Key + problem.Path : section.Key + "." + problem.Path;
                throw new ProjectFileException(r.File, at.Line, at.Column, path, problem.Message);
            }

            result[section.Key] = value;
        }

        return result;
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
                DuckDb = duck is null ? new() : ReadDuckDb(duck),
                Drift = drift is null ? new() : new DriftProfileConfig { Path = drift.String("path") },
                Audit = audit is null ? new() : ReadAudit(audit),
            };
            duck?.EnsureNoUnknownKeys();
            drift?.EnsureNoUnknownKeys();
            p.EnsureNoUnknownKeys();
            result[key.Value] = profile;
        }

        return result;
    }

    private static DuckDbProfileConfig ReadDuckDb(YamlMappingReader r)
    {
        var access = r.String("file_access");
        if (access is not null && access is not ("project" or "any"))
        {
            throw r.Error(r.Node["file_access"]!, r.PathOf("file_access"), $"expected one of project, any, got '{access}'");
        }

        return new DuckDbProfileConfig
        {
            Path = r.String("path"),
            ReadOnly = r.Bool("readonly") ?? false,
            FileAccess = access,
            AllowedPaths = r.StringList("allowed_paths", scalarAsList: true) ?? [],
        };
    }

    private static readonly Dictionary<string, bool> FsyncModes = new(StringComparer.Ordinal) { ["batch"] = true, ["none"] = false };

    private static AuditProfileConfig ReadAudit(YamlMappingReader r)
    {
        var backend = r.String("backend");
        if (backend is not null && !BackendName().IsMatch(backend))
        {
            throw r.Error(r.Node["backend"]!, r.PathOf("backend"), $"expected a backend name such as jsonl or postgres, got '{backend}'");
        }

        var fsync = r.String("fsync");
        if (fsync is not null && !FsyncModes.ContainsKey(fsync))
        {
            throw r.Error(r.Node["fsync"]!, r.PathOf("fsync"), $"expected one of batch, none, got '{fsync}'");
        }

        var config = new AuditProfileConfig
        {
            Enabled = r.Bool("enabled") ?? false,
            Path = r.String("path"),
            MaxFileSize = r.Long("max_file_size", min: 1) ?? AuditProfileConfig.DefaultMaxFileSize,
            Backend = backend ?? AuditProfileConfig.DefaultBackend,
            FlushToDisk = fsync is null || FsyncModes[fsync],
            RetentionDays = r.Int("retention_days", min: 1),
            QueueCapacity = r.Int("queue_capacity", min: 10) ?? AuditProfileConfig.DefaultQueueCapacity,
            MaxFieldSize = r.Int("max_field_size", min: 1024) ?? AuditProfileConfig.DefaultMaxFieldSize,
            FieldRedactions = ReadFieldRedactions(r),
        };
        r.EnsureNoUnknownKeys();
        return config;
    }

    private static List<FieldRedaction> ReadFieldRedactions(YamlMappingReader r)
    {
        var seq = r.Sequence("field_redactions");
        var result = new List<FieldRedaction>();
        if (seq is null)
        {
            return result;
        }

        for (var i = 0; i < seq.Items.Count; i++)
        {
            var f = YamlMappingReader.From(seq.Items[i], r.File, $"{r.PathOf("field_redactions")}[{i}]");
            var fieldPath = f.RequiredString("field_path");
            if (fieldPath.Split('.').Any(segment => segment.Length == 0))
            {
                throw f.Error(f.Node["field_path"]!, f.PathOf("field_path"), $"expected a dot path such as 'user.email', got '{fieldPath}'");
            }

            var strategy = f.Enum("strategy", FieldRedaction.Strategies) ?? RedactionStrategy.Full;
            var optionsReader = f.Mapping("options");
            var options = optionsReader is null ? new RedactionOptions() : ReadRedactionOptions(optionsReader, strategy);
            f.EnsureNoUnknownKeys();
            result.Add(new FieldRedaction(fieldPath, strategy, options, optionsReader is null ? null : YamlJson.ToElement(optionsReader.Node)));
        }

        return result;
    }

    private static RedactionOptions ReadRedactionOptions(YamlMappingReader o, RedactionStrategy strategy)
    {
        var d = new RedactionOptions();
        RedactionOptions options;
        switch (strategy)
        {
            case RedactionStrategy.Partial:
                options = new RedactionOptions
                {
                    ShowFirst = o.Int("show_first", min: 0) ?? d.ShowFirst,
                    ShowLast = o.Int("show_last", min: 0) ?? d.ShowLast,
                    MinLength = o.Int("min_length", min: 0) ?? d.MinLength,
                };
                break;
            case RedactionStrategy.Hash:
                var algorithm = o.String("algorithm") ?? d.Algorithm;
                if (algorithm is not ("sha256" or "sha1"))
                {
                    throw o.Error(o.Node["algorithm"]!, o.PathOf("algorithm"), $"expected one of sha256, sha1, got '{algorithm}'");
                }

                options = new RedactionOptions { Algorithm = algorithm, Prefix = o.String("prefix") };
                break;
            case RedactionStrategy.Truncate:
                options = new RedactionOptions { Length = o.Int("length", min: 0) ?? d.Length, Suffix = o.String("suffix") ?? d.Suffix };
                break;
            case RedactionStrategy.Email:
                options = new RedactionOptions { PreserveDomain = o.Bool("preserve_domain") ?? d.PreserveDomain };
                break;
            default:
                options = d;
                break;
        }

        o.EnsureNoUnknownKeys();
        return options;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z][a-z0-9_-]*$")]
    private static partial System.Text.RegularExpressions.Regex BackendName();
}
