using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Yaml;
using YamlDotNet.Serialization;

namespace Mxcp.Runtime.Dbt;

/// <summary>
/// The dbt side-car files of <c>mxcp dbt-config</c>: a profile <c>&lt;project&gt;_&lt;profile&gt;</c> in dbt's
/// <c>profiles.yml</c> pointing at the project's DuckDB file (with its HTTP secrets as <c>env_var()</c> references or
/// embedded values), and the project's <c>dbt_project.yml</c> with the site's dbt paths. Existing files are merged,
/// not replaced, and written atomically.
/// </summary>
internal static class DbtFiles
{
    /// <summary>dbt's profiles folder: <c>DBT_PROFILES_DIR</c>, else <c>~/.dbt</c>.</summary>
    public static string ProfilesPath(Func<string, string?> environment) =>
        Path.Combine(environment("DBT_PROFILES_DIR") is { Length: > 0 } dir ? dir : Path.Combine(environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dbt"), "profiles.yml");

    public static string ProfileName(ProjectConfiguration config) => $"{Sanitize(config.ProjectName)}_{Sanitize(config.Profile)}";

    /// <summary>
    /// The environment variable <c>mxcp dbt</c> sets for a secret parameter (and a key of a map parameter), upper case;
    /// characters a shell cannot carry in a name (the dash of <c>X-Api-Key</c>) become <c>_</c>.
    /// </summary>
    public static string SecretVariable(string secret, string parameter, string? key = null)
    {
        var name = $"MXCP_SECRET_{secret}_{parameter}" + (key is null ? "" : $"_{key}");
        return string.Concat(name.ToUpperInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_'));
    }

    /// <summary>The profiles file with this project's profile merged in.</summary>
    public static JsonObject MergeProfiles(JsonObject existing, ProjectConfiguration config, bool embedSecrets)
    {
        var target = Sanitize(config.Profile);
        var output = new JsonObject
        {
            ["type"] = "duckdb",
            ["path"] = config.SiteProfile.DuckDb.Path,
            ["extensions"] = new JsonArray("httpfs"),
        };
        var secrets = new JsonArray(config.UserProfile.Secrets.Select(s => DbtSecret(s, embedSecrets)).OfType<JsonNode>().ToArray());
        if (secrets.Count > 0)
        {
            output["secrets"] = secrets;
        }

        var merged = (JsonObject)existing.DeepClone();
        var name = ProfileName(config);
        if (merged[name] is not JsonObject profile)
        {
            merged[name] = new JsonObject { ["target"] = target, ["outputs"] = new JsonObject { [target] = output } };
            return merged;
        }

        if (profile["outputs"] is not JsonObject outputs)
        {
            profile["outputs"] = outputs = new JsonObject();
        }

        if (outputs[target] is not JsonObject current)
        {
            outputs[target] = current = new JsonObject();
        }

        foreach (var (key, value) in output)
        {
            current[key] = value?.DeepClone();
        }

        profile["target"] = target;
        return merged;
    }

    /// <summary>The project file with the dbt settings of <c>mxcp-site.yml</c> merged in.</summary>
    public static JsonObject MergeProject(JsonObject existing, ProjectConfiguration config)
    {
        var dbt = config.Site.Dbt;
        JsonArray List(IEnumerable<string> items) => new(items.Select(i => (JsonNode?)i).ToArray());
        var merged = (JsonObject)existing.DeepClone();
        merged["name"] = Sanitize(config.ProjectName);
        merged["profile"] = ProfileName(config);
        merged["config-version"] = 2;
        merged["model-paths"] = List(dbt.ModelPaths);
        merged["analysis-paths"] = List(dbt.AnalysisPaths);
        merged["test-paths"] = List(dbt.TestPaths);
        merged["seed-paths"] = List(dbt.SeedPaths);
        merged["macro-paths"] = List(dbt.MacroPaths);
        merged["snapshot-paths"] = List(dbt.SnapshotPaths);
        merged["target-path"] = dbt.TargetPath;
        merged["clean-targets"] = List(dbt.CleanTargets);
        return merged;
    }

    /// <summary>Reads a YAML file as JSON; an empty object when it does not exist or is empty.</summary>
    public static JsonObject Load(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        var display = path;
        return YamlJson.ToNode(YamlDocumentLoader.LoadFile(path, display)) switch
        {
            null => [],
            JsonObject obj => obj,
            _ => throw new ProjectFileException(display, "expected a mapping at the top level"),
        };
    }

    public static string ToYaml(JsonNode node) =>
        new SerializerBuilder().WithQuotingNecessaryStrings().Build().Serialize(Plain(node));

    /// <summary>Writes through a temporary file and a rename, so a reader never sees half a file.</summary>
    public static void Save(string path, JsonNode node)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        File.WriteAllText(temp, ToYaml(node));
        File.Move(temp, path, overwrite: true);
    }

    // dbt profile and project names cannot contain dashes.
    private static string Sanitize(string name) => name.Replace('-', '_');

    // An http secret as a DuckDB secret of dbt-duckdb: its headers as a map, from env_var() or embedded.
    private static JsonObject? DbtSecret(SecretDefinition secret, bool embed)
    {
        if (secret.Type != "http" || secret.Parameters.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var headers = new List<(string Name, string Value)>();
        if (secret.Parameters.TryGetProperty("BEARER_TOKEN", out var token) && token.ValueKind == JsonValueKind.String)
        {
            headers.Add(("Authorization", embed ? $"Bearer {token.GetString()}" : $"Bearer {{{{ env_var('{SecretVariable(secret.Name, "BEARER_TOKEN")}') }}}}"));
        }
        else if (secret.Parameters.TryGetProperty("EXTRA_HTTP_HEADERS", out var extra) && extra.ValueKind == JsonValueKind.Object)
        {
            foreach (var header in extra.EnumerateObject())
            {
                var value = header.Value.ValueKind == JsonValueKind.String ? header.Value.GetString()! : header.Value.GetRawText();
                headers.Add((header.Name, embed ? value : $"{{{{ env_var('{SecretVariable(secret.Name, "EXTRA_HTTP_HEADERS", header.Name)}') }}}}"));
            }
        }

        if (headers.Count == 0)
        {
            return null;
        }

        return new JsonObject
        {
            ["name"] = secret.Name,
            ["type"] = "http",
            ["scope"] = secret.Parameters.TryGetProperty("scope", out var scope) && scope.ValueKind == JsonValueKind.String ? scope.GetString() : "",
            ["extra_http_headers"] = "map { " + string.Join(", ", headers.Select(h => $"'{h.Name}': '{h.Value}'")) + " }",
        };
    }

    private static object? Plain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(p => p.Key, p => Plain(p.Value)),
        JsonArray array => array.Select(Plain).ToList(),
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when long.TryParse(value.ToJsonString(), out var n) => n,
            JsonValueKind.Number => double.Parse(value.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture),
            _ => null,
        },
        _ => null,
    };
}
