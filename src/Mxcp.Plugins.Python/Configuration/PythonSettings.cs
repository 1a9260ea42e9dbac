using System.Globalization;
using System.Text.Json;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.Python.Configuration;

/// <summary>
/// The <c>python</c> section of the active user profile (<c>projects.&lt;p&gt;.profiles.&lt;profile&gt;.python</c>):
/// <c>workers</c>, <c>interpreter</c>, <c>timeout</c>, <c>threads</c>, <c>startup_timeout</c>, <c>hang_timeout</c>.
/// The runtime checks the section with file and line when it reads the user configuration; this reads the JSON it
/// hands to plugins, and checks again for hosts that build that JSON themselves.
/// </summary>
internal sealed class PythonSettings
{
    /// <summary>Worker processes (default 1).</summary>
    public int Workers { get; init; } = 1;

    /// <summary>The Python interpreter: a command on <c>PATH</c>, or a path (relative paths are relative to the project).</summary>
    public string Interpreter { get; init; } = "python3";

    /// <summary>How long one call may run before it is cancelled; <see langword="null"/> for no limit (<c>timeout: 0</c>).</summary>
    public TimeSpan? CallTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Threads per worker for sync functions, hooks and validation (default 32).</summary>
    public int Threads { get; init; } = 32;

    /// <summary>How long a worker may take to import the project's modules and run the <c>@on_init</c> hooks.</summary>
    public TimeSpan StartupTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a worker may leave a health check unanswered before it is killed and restarted.</summary>
    public TimeSpan HangTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The interpreter with a relative path made absolute against the project.</summary>
    public string ResolveInterpreter(string projectRoot) =>
        Interpreter.Contains('/', StringComparison.Ordinal) || Interpreter.Contains('\\', StringComparison.Ordinal)
            ? Path.GetFullPath(Path.Combine(projectRoot, Interpreter))
            : Interpreter;

    public static PythonSettings From(ProjectRuntimeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var path = $"projects.{context.ProjectName}.profiles.{context.Profile}.python";
        var section = Get(Get(Get(Get(Get(context.UserConfig, "projects"), context.ProjectName), "profiles"), context.Profile), "python");
        if (section.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return new PythonSettings();
        }

        if (section.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidOperationException($"{path}: expected a mapping");
        }

        var defaults = new PythonSettings();
        foreach (var property in section.EnumerateObject())
        {
            if (property.Name is not ("workers" or "interpreter" or "timeout" or "threads" or "startup_timeout" or "hang_timeout"))
            {
                throw new InvalidOperationException($"{path}.{property.Name}: unknown key (expected workers, interpreter, timeout, threads, startup_timeout or hang_timeout)");
            }
        }

        var timeout = Number(section, "timeout", path, allowZero: true);
        return new PythonSettings
        {
            Workers = Integer(section, "workers", path, 1, 64) ?? defaults.Workers,
            Interpreter = Text(section, "interpreter", path) ?? defaults.Interpreter,
            CallTimeout = timeout is null ? defaults.CallTimeout : timeout == 0 ? null : TimeSpan.FromSeconds(timeout.Value),
            Threads = Integer(section, "threads", path, 1, 1024) ?? defaults.Threads,
            StartupTimeout = Number(section, "startup_timeout", path, allowZero: false) is { } s ? TimeSpan.FromSeconds(s) : defaults.StartupTimeout,
            HangTimeout = Number(section, "hang_timeout", path, allowZero: false) is { } h ? TimeSpan.FromSeconds(h) : defaults.HangTimeout,
        };
    }

    private static int? Integer(JsonElement section, string key, string path, int min, int max)
    {
        var value = Get(section, key);
        if (value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= min && n <= max
            ? n
            : throw new InvalidOperationException($"{path}.{key}: expected a whole number from {min} to {max}, got {value.GetRawText()}");
    }

    private static double? Number(JsonElement section, string key, string path, bool allowZero)
    {
        var value = Get(section, key);
        if (value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && double.IsFinite(d) && (d > 0 || (allowZero && d == 0)) && d <= TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return d;
        }

        throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
            $"{path}.{key}: expected a number of seconds {(allowZero ? "(0 for no limit)" : "greater than 0")}, got {value.GetRawText()}"));
    }

    private static string? Text(JsonElement section, string key, string path)
    {
        var value = Get(section, key);
        if (value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String && value.GetString() is { } s && s.Trim().Length > 0
            ? s.Trim()
            : throw new InvalidOperationException($"{path}.{key}: expected the interpreter command or path, got {value.GetRawText()}");
    }

    internal static JsonElement Get(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;
}
