using System.Globalization;
using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb.Database;

namespace Mxcp.Plugins.DuckDb.Configuration;

/// <summary>
/// What the plugin reads from the project: <c>profiles.&lt;profile&gt;.duckdb.path</c>, the effective read-only flag,
/// <c>extensions</c>, <c>sql_tools</c> (site config, YAML key names) and the pool size (<c>MXCP_DUCKDB_POOL_SIZE</c>).
/// </summary>
internal sealed class DuckDbSettings
{
    /// <summary>The environment variable that sets the number of pooled connections.</summary>
    public const string PoolSizeVariable = "MXCP_DUCKDB_POOL_SIZE";

    public required string DatabasePath { get; init; }

    public bool ReadOnly { get; init; }

    public IReadOnlyList<ExtensionSetting> Extensions { get; init; } = [];

    public SqlToolsSettings SqlTools { get; init; } = new();

    public int PoolSize { get; init; } = DefaultPoolSize;

    /// <summary>The largest result a query may return (<see cref="ProjectRuntimeContext.ResultLimits"/>).</summary>
    public ResultLimits ResultLimits { get; init; } = ResultLimits.Default;

    /// <summary>
    /// The file sandbox (<c>profiles.&lt;p&gt;.duckdb.file_access: project</c>, the default when the built-in SQL tools
    /// are on): the folders and URL prefixes SQL may reach, each folder ending in a separator; <see langword="null"/> when
    /// SQL may reach any file (<c>file_access: any</c>).
    /// </summary>
    public IReadOnlyList<string>? Sandbox { get; init; }

    /// <summary><c>max(10, 2 × processors)</c>, as in the reference implementation.</summary>
    public static int DefaultPoolSize => Math.Max(10, 2 * Environment.ProcessorCount);

    public static DuckDbSettings From(ProjectRuntimeContext context, Func<string, string?> environment)
    {
        var site = context.SiteConfig;
        var duckdb = Get(Get(Get(site, "profiles"), context.Profile), "duckdb");
        var path = Get(duckdb, "path") is { ValueKind: JsonValueKind.String } p ? p.GetString()! : DefaultPath(context);
        var sqlTools = SqlToolsSettings.From(Get(site, "sql_tools"));
        var access = Get(duckdb, "file_access") is { ValueKind: JsonValueKind.String } a ? a.GetString() : sqlTools.Enabled ? "project" : "any";

        return new DuckDbSettings
        {
            DatabasePath = path,
            ReadOnly = context.ReadOnly,
            Extensions = ReadExtensions(Get(site, "extensions")),
            SqlTools = sqlTools,
            PoolSize = ReadPoolSize(environment(PoolSizeVariable)),
            ResultLimits = context.ResultLimits,
            Sandbox = access == "project" ? SandboxPaths(context.ProjectRoot, path, Get(duckdb, "allowed_paths")) : null,
        };
    }

    /// <summary>The project's folder, the database's folder (its temporary files go next to it) and <c>allowed_paths</c>.</summary>
    private static List<string> SandboxPaths(string projectRoot, string databasePath, JsonElement allowed)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal)
        {
            AsFolder(projectRoot),
            AsFolder(Path.GetDirectoryName(Path.GetFullPath(databasePath)) ?? projectRoot),
        };
        if (allowed.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in allowed.EnumerateArray())
            {
                if (item.GetString() is { Length: > 0 } entry)
                {
                    paths.Add(entry.Contains("://", StringComparison.Ordinal) ? entry : AsFolder(entry));
                }
            }
        }

        return [.. paths];
    }

    /// <summary>A folder as a prefix that matches only what is inside it (<c>/srv/data/</c>, not <c>/srv/database</c>).</summary>
    private static string AsFolder(string path)
    {
        var full = Path.GetFullPath(path);
        return full.EndsWith(Path.DirectorySeparatorChar) ? full : full + Path.DirectorySeparatorChar;
    }

    private static string DefaultPath(ProjectRuntimeContext context)
    {
        var data = Get(Get(context.SiteConfig, "paths"), "data") is { ValueKind: JsonValueKind.String } d ? d.GetString()! : "data";
        return Path.Combine(context.ProjectRoot, data, $"db-{context.Profile}.duckdb");
    }

    private static int ReadPoolSize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return DefaultPoolSize;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= 1024
            ? size
            : throw new DuckDbException($"{PoolSizeVariable} must be a whole number from 1 to 1024, not '{text}'");
    }

    private static List<ExtensionSetting> ReadExtensions(JsonElement extensions)
    {
        var result = new List<ExtensionSetting>();
        if (extensions.ValueKind != JsonValueKind.Array)
        {
            return result;
        }

        foreach (var item in extensions.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 } bare)
            {
                result.Add(new ExtensionSetting(bare, null));
            }
            else if (Get(item, "name") is { ValueKind: JsonValueKind.String } name && name.GetString() is { Length: > 0 } text)
            {
                var repo = Get(item, "repo") is { ValueKind: JsonValueKind.String } r ? r.GetString() : null;
                result.Add(new ExtensionSetting(text, string.IsNullOrWhiteSpace(repo) ? null : repo));
            }
        }

        return result;
    }

    internal static JsonElement Get(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;
}

/// <summary>A DuckDB extension to install and load (<c>extensions: [{name, repo?}]</c>).</summary>
internal sealed record ExtensionSetting(string Name, string? Repo);

/// <summary>The <c>sql_tools</c> section: whether the built-in SQL tools are on, and their description overrides.</summary>
internal sealed class SqlToolsSettings
{
    public bool Enabled { get; init; }

    public IReadOnlyDictionary<string, string> Descriptions { get; init; } = new Dictionary<string, string>();

    public static SqlToolsSettings From(JsonElement section)
    {
        if (section.ValueKind != JsonValueKind.Object)
        {
            return new SqlToolsSettings();
        }

        var descriptions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in section.EnumerateObject())
        {
            if (DuckDbSettings.Get(property.Value, "description") is { ValueKind: JsonValueKind.String } d && d.GetString() is { Length: > 0 } text)
            {
                descriptions[property.Name] = text;
            }
        }

        return new SqlToolsSettings
        {
            Enabled = DuckDbSettings.Get(section, "enabled").ValueKind == JsonValueKind.True,
            Descriptions = descriptions,
        };
    }
}
