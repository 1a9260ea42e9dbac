using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mxcp.Runtime.Configuration;

/// <summary>
/// The site configuration as JSON with the YAML key names, for plugins and Python's <c>config.site_config</c>.
/// Guarantees: <c>extensions</c> is a list of <c>{name, repo?}</c>; <c>profiles.&lt;active&gt;</c> has absolute paths;
/// <c>sql_tools.enabled</c> is the effective value.
/// </summary>
internal static class SiteConfigJson
{
    public static JsonElement Build(SiteConfig site, string activeProfile, SiteProfileConfig derived, bool sqlToolsEnabled, bool readOnly)
    {
        var profiles = new JsonObject();
        foreach (var (name, profile) in site.Profiles)
        {
            if (name != activeProfile)
            {
                profiles[name] = ProfileJson(profile);
            }
        }

        profiles[activeProfile] = ProfileJson(derived with { DuckDb = derived.DuckDb with { ReadOnly = readOnly } });

        var sqlTools = new JsonObject { ["enabled"] = sqlToolsEnabled };
        AddDescription(sqlTools, "execute_sql_query", site.SqlTools.ExecuteSqlQueryDescription);
        AddDescription(sqlTools, "list_tables", site.SqlTools.ListTablesDescription);
        AddDescription(sqlTools, "get_table_schema", site.SqlTools.GetTableSchemaDescription);

        var root = new JsonObject
        {
            ["mxcp"] = site.Mxcp,
            ["project"] = site.Project,
            ["profile"] = activeProfile,
            ["secrets"] = Strings(site.Secrets),
            ["plugin"] = new JsonArray(site.Plugins.Select(p => (JsonNode)new JsonObject { ["name"] = p.Name, ["module"] = p.Module, ["config"] = p.Config }).ToArray()),
            ["extensions"] = new JsonArray(site.Extensions.Select(e =>
            {
                var o = new JsonObject { ["name"] = e.Name };
                if (e.Repo is not null)
                {
                    o["repo"] = e.Repo;
                }

                return (JsonNode)o;
            }).ToArray()),
            ["dbt"] = new JsonObject
            {
                ["enabled"] = site.Dbt.Enabled,
                ["model_paths"] = Strings(site.Dbt.ModelPaths),
                ["analysis_paths"] = Strings(site.Dbt.AnalysisPaths),
                ["test_paths"] = Strings(site.Dbt.TestPaths),
                ["seed_paths"] = Strings(site.Dbt.SeedPaths),
                ["macro_paths"] = Strings(site.Dbt.MacroPaths),
                ["snapshot_paths"] = Strings(site.Dbt.SnapshotPaths),
                ["clean_targets"] = Strings(site.Dbt.CleanTargets),
                ["target_path"] = site.Dbt.TargetPath,
            },
            ["sql_tools"] = sqlTools,
            ["paths"] = new JsonObject
            {
                ["tools"] = site.Paths.Tools,
                ["resources"] = site.Paths.Resources,
                ["prompts"] = site.Paths.Prompts,
                ["evals"] = site.Paths.Evals,
                ["python"] = site.Paths.Python,
                ["plugins"] = site.Paths.Plugins,
                ["sql"] = site.Paths.Sql,
                ["drift"] = site.Paths.Drift,
                ["audit"] = site.Paths.Audit,
                ["data"] = site.Paths.Data,
            },
            ["profiles"] = profiles,
        };
        foreach (var (key, value) in site.Sections)
        {
            root[key] = JsonNode.Parse(value.GetRawText());
        }

        return JsonSerializer.SerializeToElement(root);
    }

    private static JsonObject DuckDbJson(DuckDbProfileConfig duckdb)
    {
        var json = new JsonObject { ["path"] = duckdb.Path, ["readonly"] = duckdb.ReadOnly };
        if (duckdb.FileAccess is not null)
        {
            json["file_access"] = duckdb.FileAccess;
        }

        if (duckdb.AllowedPaths.Count > 0)
        {
            json["allowed_paths"] = Strings(duckdb.AllowedPaths);
        }

        return json;
    }

    private static JsonObject ProfileJson(SiteProfileConfig p) => new()
    {
        ["duckdb"] = DuckDbJson(p.DuckDb),
        ["drift"] = new JsonObject { ["path"] = p.Drift.Path },
        ["audit"] = new JsonObject
        {
            ["enabled"] = p.Audit.Enabled,
            ["path"] = p.Audit.Path,
            ["max_file_size"] = p.Audit.MaxFileSize,
            ["backend"] = p.Audit.Backend,
            ["fsync"] = p.Audit.FlushToDisk ? "batch" : "none",
            ["retention_days"] = p.Audit.EffectiveRetentionDays,
            ["queue_capacity"] = p.Audit.QueueCapacity,
            ["max_field_size"] = p.Audit.MaxFieldSize,
        },
    };

    private static void AddDescription(JsonObject sqlTools, string tool, string? description)
    {
        if (description is not null)
        {
            sqlTools[tool] = new JsonObject { ["description"] = description };
        }
    }

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
