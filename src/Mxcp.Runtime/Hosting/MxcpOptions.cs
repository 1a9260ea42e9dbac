namespace Mxcp.Runtime;

/// <summary>
/// How a host runs an MXCP project. Values left unset fall back to environment variables (<c>MXCP_*</c>) and then to the
/// project's configuration files.
/// </summary>
public sealed class MxcpOptions
{
    /// <summary>The project folder, or any folder below it (<c>mxcp-site.yml</c> is searched upward). Default: the current directory.</summary>
    public string? ProjectPath { get; set; }

    /// <summary>The profile to run (overrides <c>MXCP_PROFILE</c> and the site's <c>profile</c>).</summary>
    public string? Profile { get; set; }

    /// <summary>The user configuration file (overrides <c>MXCP_CONFIG</c> and <c>~/.mxcp/config.yml</c>).</summary>
    public string? UserConfigPath { get; set; }

    /// <summary>Open the database read-only. <see langword="null"/>: <c>MXCP_READONLY</c> or the profile decides.</summary>
    public bool? ReadOnly { get; set; }

    /// <summary>Serve the built-in SQL tools. <see langword="null"/>: <c>sql_tools.enabled</c> decides.</summary>
    public bool? SqlTools { get; set; }

    /// <summary>Debug output. <see langword="null"/>: <c>MXCP_DEBUG</c> decides.</summary>
    public bool? Debug { get; set; }

    /// <summary>Serve the valid endpoints even when some endpoint files have errors (otherwise start-up fails).</summary>
    public bool IgnoreErrors { get; set; }

    /// <summary>Reload when a project file changes. <see langword="null"/>: <c>MXCP_WATCH=1</c> decides.</summary>
    public bool? Watch { get; set; }

    /// <summary>Reload on SIGHUP (Unix). Off by default for embedded hosts; the <c>mxcp</c> command turns it on.</summary>
    public bool ReloadOnSighup { get; set; }

    /// <summary>
    /// The most one evaluation of a policy condition may cost, in CEL cost units (each comprehension iteration is one;
    /// work on long strings and lists counts by size). A condition that goes past it denies the call. <see langword="null"/>:
    /// <c>MXCP_POLICY_COST_LIMIT</c>, then 1,000,000.
    /// </summary>
    public long? PolicyCostLimit { get; set; }

    /// <summary>
    /// The most rows one call's result may have (0 for no limit). <see langword="null"/>: <c>MXCP_MAX_RESULT_ROWS</c>, then
    /// <c>limits.max_result_rows</c> in <c>mxcp-site.yml</c>, then 100,000.
    /// </summary>
    public long? MaxResultRows { get; set; }

    /// <summary>
    /// The most bytes of JSON one call's result may take (0 for no limit). <see langword="null"/>:
    /// <c>MXCP_MAX_RESULT_BYTES</c>, then <c>limits.max_result_bytes</c> in <c>mxcp-site.yml</c>, then 32 MiB.
    /// </summary>
    public long? MaxResultBytes { get; set; }

    /// <summary>Reads environment variables; replaceable for tests and hosts that sandbox configuration.</summary>
    public Func<string, string?> Environment { get; set; } = System.Environment.GetEnvironmentVariable;
}
