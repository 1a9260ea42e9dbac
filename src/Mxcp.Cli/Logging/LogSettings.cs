using Microsoft.Extensions.Logging;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Cli.Logging;

/// <summary>
/// How the <c>mxcp</c> command logs. Level: <c>--log-level</c>, then <c>--debug</c>, <c>MXCP_LOG_LEVEL</c>,
/// <c>MXCP_DEBUG</c>, the user configuration's <c>logging.level</c>, WARNING. Format: <c>MXCP_LOG_FORMAT</c>, then
/// <c>logging.format</c>, text. File: <c>logging.path</c> (relative to the project), rotated at <c>logging.max_bytes</c>
/// with <c>logging.backup_count</c> files kept. With <c>logging.enabled: false</c> the configuration's settings are not
/// used: only stderr, at the level the flags and the environment say.
/// </summary>
internal sealed record LogSettings(LogLevel Level, bool Json, string? FilePath, long MaxBytes, int BackupCount)
{
    public const string Levels = "DEBUG, INFO, WARNING, ERROR or CRITICAL";

    public static LogSettings Resolve(string? levelOption, bool debug, LoggingConfig? config, string? projectRoot, Func<string, string?> env)
    {
        var useConfig = config is { Enabled: true };
        LogLevel? fromOption = levelOption is null ? null : ParseLevel(levelOption) ?? throw new CliParameterException($"--log-level: expected {Levels}, got '{levelOption}'");
        LogLevel? fromDebugFlag = debug ? LogLevel.Debug : null;
        LogLevel? fromDebugVariable = ProjectConfigurationLoader.IsTrue(env("MXCP_DEBUG")) ? LogLevel.Debug : null;
        var level = fromOption ?? fromDebugFlag ?? EnvironmentLevel(env) ?? fromDebugVariable ?? (useConfig ? ParseLevel(config!.Level) : null) ?? LogLevel.Warning;
        var format = env("MXCP_LOG_FORMAT") is { Length: > 0 } f
            ? f.Trim().ToLowerInvariant() switch
            {
                "json" => "json",
                "text" => "text",
                _ => throw new ProjectFileException("environment variable MXCP_LOG_FORMAT", $"expected text or json, got '{f}'"),
            }
            : useConfig ? config!.Format : "text";
        var path = useConfig && config!.Path is { } p ? (projectRoot is null ? Path.GetFullPath(p) : Path.GetFullPath(Path.Combine(projectRoot, p))) : null;
        return new LogSettings(level, format == "json", path, config?.MaxBytes ?? new LoggingConfig().MaxBytes, config?.BackupCount ?? new LoggingConfig().BackupCount);
    }

    private static LogLevel? EnvironmentLevel(Func<string, string?> env)
    {
        var text = env("MXCP_LOG_LEVEL");
        return string.IsNullOrWhiteSpace(text)
            ? null
            : ParseLevel(text) ?? throw new ProjectFileException("environment variable MXCP_LOG_LEVEL", $"expected {Levels}, got '{text}'");
    }

    /// <summary>Python's level names (<c>DEBUG</c>, <c>INFO</c>, <c>WARNING</c>, <c>ERROR</c>, <c>CRITICAL</c>), any case.</summary>
    public static LogLevel? ParseLevel(string? value) => value?.Trim().ToUpperInvariant() switch
    {
        "TRACE" => LogLevel.Trace,
        "DEBUG" => LogLevel.Debug,
        "INFO" or "INFORMATION" => LogLevel.Information,
        "WARNING" or "WARN" => LogLevel.Warning,
        "ERROR" => LogLevel.Error,
        "CRITICAL" or "FATAL" => LogLevel.Critical,
        _ => null,
    };
}
