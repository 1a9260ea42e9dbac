using Mxcp.Runtime.Audit;

namespace Mxcp.Runtime.Configuration;

/// <summary><c>mxcp-site.yml</c>, with defaults applied; unknown keys are errors, as in the Python MXCP.</summary>
internal sealed record SiteConfig
{
    public int Mxcp { get; init; } = 1;

    public required string Project { get; init; }

    public required string Profile { get; init; }

    public IReadOnlyList<string> Secrets { get; init; } = [];

    public IReadOnlyList<SitePluginDefinition> Plugins { get; init; } = [];

    public IReadOnlyList<ExtensionDefinition> Extensions { get; init; } = [];

    public DbtConfig Dbt { get; init; } = new();

    public SqlToolsConfig SqlTools { get; init; } = new();

    public PathsConfig Paths { get; init; } = new();

    public LimitsConfig Limits { get; init; } = new();

    public IReadOnlyDictionary<string, SiteProfileConfig> Profiles { get; init; } = new Dictionary<string, SiteProfileConfig>();

    /// <summary>The top-level sections plugins read (<see cref="Abstractions.ISiteConfigSection"/>), as JSON, by key.</summary>
    public IReadOnlyDictionary<string, System.Text.Json.JsonElement> Sections { get; init; } = new Dictionary<string, System.Text.Json.JsonElement>();
}

/// <summary><c>limits</c>: the largest result one call may produce (unset: the environment, then the defaults).</summary>
internal sealed record LimitsConfig
{
    public long? MaxResultRows { get; init; }

    public long? MaxResultBytes { get; init; }
}

internal sealed record SitePluginDefinition(string Name, string Module, string? Config);

internal sealed record ExtensionDefinition(string Name, string? Repo);

internal sealed record DbtConfig
{
    public bool Enabled { get; init; } = true;

    public IReadOnlyList<string> ModelPaths { get; init; } = ["models"];

    public IReadOnlyList<string> AnalysisPaths { get; init; } = ["analyses"];

    public IReadOnlyList<string> TestPaths { get; init; } = ["tests"];

    public IReadOnlyList<string> SeedPaths { get; init; } = ["seeds"];

    public IReadOnlyList<string> MacroPaths { get; init; } = ["macros"];

    public IReadOnlyList<string> SnapshotPaths { get; init; } = ["snapshots"];

    public IReadOnlyList<string> CleanTargets { get; init; } = ["target", "dbt_packages"];

    public string TargetPath { get; init; } = "target";
}

internal sealed record SqlToolsConfig
{
    public bool Enabled { get; init; }

    public string? ExecuteSqlQueryDescription { get; init; }

    public string? ListTablesDescription { get; init; }

    public string? GetTableSchemaDescription { get; init; }
}

internal sealed record PathsConfig
{
    public string Tools { get; init; } = "tools";

    public string Resources { get; init; } = "resources";

    public string Prompts { get; init; } = "prompts";

    public string Evals { get; init; } = "evals";

    public string Python { get; init; } = "python";

    public string Plugins { get; init; } = "plugins";

    public string Sql { get; init; } = "sql";

    public string Drift { get; init; } = "drift";

    public string Audit { get; init; } = "audit";

    public string Data { get; init; } = "data";
}

internal sealed record SiteProfileConfig
{
    public DuckDbProfileConfig DuckDb { get; init; } = new();

    public DriftProfileConfig Drift { get; init; } = new();

    public AuditProfileConfig Audit { get; init; } = new();
}

internal sealed record DuckDbProfileConfig
{
    public string? Path { get; init; }

    public bool ReadOnly { get; init; }

    /// <summary>
    /// <c>file_access</c>: <c>project</c> (SQL reaches only the project's folder, the database's folder and
    /// <see cref="AllowedPaths"/>) or <c>any</c>; unset: <c>project</c> when the built-in SQL tools are on, else <c>any</c>.
    /// </summary>
    public string? FileAccess { get; init; }

    /// <summary><c>allowed_paths</c>: more folders (or URL prefixes) SQL may reach under <c>file_access: project</c>; absolute once derived.</summary>
    public IReadOnlyList<string> AllowedPaths { get; init; } = [];
}

internal sealed record DriftProfileConfig
{
    public string? Path { get; init; }
}

/// <summary><c>profiles.&lt;p&gt;.audit</c>: the reference's keys plus <c>backend</c>, <c>fsync</c>, <c>retention_days</c>, <c>queue_capacity</c>, <c>max_field_size</c> and <c>field_redactions</c>.</summary>
internal sealed record AuditProfileConfig
{
    public const long DefaultMaxFileSize = 52_428_800;

    public const string DefaultBackend = "jsonl";

    public const int DefaultQueueCapacity = 10_000;

    /// <summary>The default of <see cref="MaxFieldSize"/>: 1 MiB.</summary>
    public const int DefaultMaxFieldSize = 1024 * 1024;

    /// <summary>The retention of the server's schema <c>mxcp.endpoints</c> when <c>retention_days</c> is not set.</summary>
    public const int DefaultRetentionDays = 90;

    public bool Enabled { get; init; }

    public string? Path { get; init; }

    public long MaxFileSize { get; init; } = DefaultMaxFileSize;

    /// <summary><c>jsonl</c> (built in) or the name of a backend a plugin provides (<c>postgres</c>).</summary>
    public string Backend { get; init; } = DefaultBackend;

    /// <summary><c>fsync: batch</c> (default): every batch reaches the disk before the next; <c>none</c>: the OS decides.</summary>
    public bool FlushToDisk { get; init; } = true;

    public int? RetentionDays { get; init; }

    /// <summary>How many records may wait for the writer; beyond that records are dropped, logged and counted.</summary>
    public int QueueCapacity { get; init; } = DefaultQueueCapacity;

    /// <summary>
    /// <c>max_field_size</c>: the most bytes of JSON kept in a record's <c>input_data</c> or <c>output_data</c> (and of
    /// text in <c>error</c>); a larger value is replaced by a marker that says how large it was.
    /// </summary>
    public int MaxFieldSize { get; init; } = DefaultMaxFieldSize;

    public IReadOnlyList<FieldRedaction> FieldRedactions { get; init; } = [];

    public int EffectiveRetentionDays => RetentionDays ?? DefaultRetentionDays;
}
