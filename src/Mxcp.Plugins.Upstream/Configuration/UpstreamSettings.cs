using System.Text.Json;
using System.Text.RegularExpressions;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.Upstream.Configuration;

/// <summary>One entry of the <c>upstreams</c> section of <c>mxcp-site.yml</c>, checked. Holds secrets (headers, env): never log it.</summary>
internal sealed record UpstreamSettings
{
    public required string Name { get; init; }

    /// <summary>The Streamable HTTP endpoint; <see langword="null"/> for a stdio upstream.</summary>
    public Uri? Url { get; init; }

    /// <summary>The stdio executable; <see langword="null"/> for an HTTP upstream.</summary>
    public string? Command { get; init; }

    public IReadOnlyList<string> Args { get; init; } = [];

    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    /// <summary>The working directory of the process, absolute.</summary>
    public string? Cwd { get; init; }

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public required string Prefix { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan HealthInterval { get; init; } = TimeSpan.FromSeconds(30);

    public IReadOnlyList<string> Include { get; init; } = [];

    public IReadOnlyList<string> Exclude { get; init; } = [];

    public bool Quarantine { get; init; }

    public bool Enabled { get; init; } = true;

    /// <summary>The response cache for the upstream's read-only tools; <see langword="null"/> when off.</summary>
    public UpstreamCacheSettings? Cache { get; init; }

    /// <summary>Retries of failed calls; <see langword="null"/> when off (<c>retries: false</c>).</summary>
    public UpstreamRetrySettings? Retries { get; init; } = UpstreamRetrySettings.Default;

    /// <summary>The circuit breaker of calls; <see langword="null"/> when off (<c>circuit_breaker: false</c>).</summary>
    public UpstreamCircuitBreakerSettings? CircuitBreaker { get; init; } = UpstreamCircuitBreakerSettings.Default;

    /// <summary>
    /// Which requests of the upstream to its client (sampling, elicitation, roots) are forwarded to the client of the call
    /// that caused them; Mxcp's connection declares only these client capabilities. All off unless configured.
    /// </summary>
    public UpstreamForwardSettings Forward { get; init; } = UpstreamForwardSettings.None;

    /// <summary>Policies by the upstream's own tool name.</summary>
    public IReadOnlyDictionary<string, PolicySet> Policies { get; init; } = new Dictionary<string, PolicySet>();

    /// <summary>Everything that decides how to connect (apart from <see cref="Enabled"/>): a change of it means a new connection.</summary>
    public string ConnectionKey { get; init; } = "";

    public string Transport => Url is null ? "stdio" : "streamable-http";

    /// <summary>Where the upstream is, without secrets: the URL without user info, query or fragment, or the command.</summary>
    public string Target => Url is not null ? Url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : Command!;

    /// <summary>Whether the include and exclude lists let a tool of the upstream through.</summary>
    public bool Admits(string toolName) =>
        (Include.Count == 0 || Include.Any(p => Glob.Matches(p, toolName))) && !Exclude.Any(p => Glob.Matches(p, toolName));
}

/// <summary>
/// The <c>forward</c> of an upstream: whether its <c>sampling/createMessage</c>, <c>elicitation/create</c> and
/// <c>roots/list</c> requests reach the client of the call that caused them. Off by default: sampling spends the client's
/// model tokens, elicitation asks the user for information, and roots tell the upstream where the user's files are.
/// </summary>
internal sealed record UpstreamForwardSettings(bool Sampling, bool Elicitation, bool Roots)
{
    public static readonly UpstreamForwardSettings None = new(false, false, false);

    public bool Any => Sampling || Elicitation || Roots;
}

/// <summary>The <c>cache</c> of an upstream: how long a result is kept and how many are kept at most.</summary>
internal sealed record UpstreamCacheSettings(TimeSpan Ttl, int MaxEntries);

/// <summary>
/// The <c>retries</c> of an upstream: how many times a failed call is tried again (after the first attempt) and the delay
/// before the first retry (doubling, with jitter). Only calls that are safe to repeat are retried.
/// </summary>
internal sealed record UpstreamRetrySettings(int MaxAttempts, TimeSpan Backoff)
{
    public static readonly UpstreamRetrySettings Default = new(2, TimeSpan.FromSeconds(0.5));
}

/// <summary>
/// The <c>circuit_breaker</c> of an upstream: it opens when at least <see cref="MinCalls"/> calls were made within
/// <see cref="Sampling"/> and at least <see cref="FailureRatio"/> of them failed, and then refuses calls for
/// <see cref="Break"/> before letting one through to test the upstream.
/// </summary>
internal sealed record UpstreamCircuitBreakerSettings(double FailureRatio, int MinCalls, TimeSpan Sampling, TimeSpan Break)
{
    public static readonly UpstreamCircuitBreakerSettings Default = new(0.5, 10, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
}

/// <summary>Reads and checks the <c>upstreams</c> section.</summary>
internal static partial class UpstreamSettingsReader
{
    public const string SectionKey = "upstreams";

    private static readonly HashSet<string> Keys =
    [
        "url", "command", "args", "env", "cwd", "headers", "prefix", "timeout", "health_interval", "include", "exclude",
        "quarantine", "enabled", "policies", "cache", "retries", "circuit_breaker", "forward",
    ];

    private static readonly HashSet<string> ForwardKeys = ["sampling", "elicitation", "roots"];

    private static readonly HashSet<string> CacheKeys = ["ttl", "max_entries"];

    private static readonly HashSet<string> RetryKeys = ["max_attempts", "backoff"];

    private static readonly HashSet<string> BreakerKeys = ["failure_ratio", "min_calls", "sampling_seconds", "break_seconds"];

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9_.-]{0,64}$")]
    private static partial Regex PrefixPattern();

    /// <summary>The upstreams of the site configuration (empty when it has no <c>upstreams</c> section).</summary>
    /// <exception cref="InvalidOperationException">The section is wrong (the runtime checks it before, with file and line).</exception>
    public static IReadOnlyList<UpstreamSettings> FromSiteConfig(JsonElement siteConfig, string projectRoot, IPolicyReader? policies)
    {
        if (siteConfig.ValueKind != JsonValueKind.Object || !siteConfig.TryGetProperty(SectionKey, out var section) || section.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        var problems = new List<ConfigProblem>();
        var result = Read(section, projectRoot, policies, problems);
        return problems.Count == 0 ? result : throw new InvalidOperationException($"{SectionKey}.{problems[0]}");
    }

    public static List<UpstreamSettings> Read(JsonElement section, string projectRoot, IPolicyReader? policyReader, List<ConfigProblem> problems)
    {
        var result = new List<UpstreamSettings>();
        if (section.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new ConfigProblem("", "must be a mapping of upstream names to their settings"));
            return result;
        }

        var prefixes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in section.EnumerateObject())
        {
            var name = entry.Name;
            if (!NamePattern().IsMatch(name))
            {
                problems.Add(new ConfigProblem(name, "an upstream name starts with a letter and has only letters, digits, '_' and '-' (at most 64 characters)"));
                continue;
            }

            if (Read(name, entry.Value, projectRoot, policyReader, problems) is { } settings)
            {
                if (prefixes.TryGetValue(settings.Prefix, out var other))
                {
                    problems.Add(new ConfigProblem($"{name}.prefix", $"'{settings.Prefix}' is also the prefix of upstream '{other}'; give each upstream its own prefix"));
                    continue;
                }

                prefixes[settings.Prefix] = name;
                result.Add(settings);
            }
        }

        return result;
    }

    private static UpstreamSettings? Read(string name, JsonElement value, string projectRoot, IPolicyReader? policyReader, List<ConfigProblem> problems)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new ConfigProblem(name, "must be a mapping with 'url' or 'command'"));
            return null;
        }

        var before = problems.Count;
        foreach (var property in value.EnumerateObject().Where(p => !Keys.Contains(p.Name)))
        {
            problems.Add(new ConfigProblem($"{name}.{property.Name}", $"unknown key; expected one of {string.Join(", ", Keys.Order(StringComparer.Ordinal))}"));
        }

        var url = String(value, name, "url", problems);
        Uri? uri = null;
        if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out uri) || uri.Scheme is not ("http" or "https")))
        {
            problems.Add(new ConfigProblem($"{name}.url", $"'{Redact(url)}' is not an absolute http:// or https:// URL"));
        }

        string? command = null;
        var args = new List<string>();
        if (value.TryGetProperty("command", out var commandValue))
        {
            if (commandValue.ValueKind == JsonValueKind.String && commandValue.GetString() is { Length: > 0 } single)
            {
                command = single;
            }
            else if (StringList(commandValue, $"{name}.command", problems) is [var first, .. var rest] && first.Length > 0)
            {
                command = first;
                args.AddRange(rest);
            }
            else
            {
                problems.Add(new ConfigProblem($"{name}.command", "must be the executable, or a list of the executable and its arguments"));
            }
        }

        if (url is null == command is null)
        {
            problems.Add(new ConfigProblem(name, url is null
                ? "needs 'url' (a Streamable HTTP endpoint) or 'command' (a process speaking MCP over stdio)"
                : "has both 'url' and 'command'; an upstream is reached one way"));
        }

        if (value.TryGetProperty("args", out var argsValue))
        {
            args.AddRange(StringList(argsValue, $"{name}.args", problems) ?? []);
        }

        var env = StringMap(value, name, "env", problems);
        var headers = StringMap(value, name, "headers", problems);
        if (uri is null && command is not null && headers.Count > 0)
        {
            problems.Add(new ConfigProblem($"{name}.headers", "headers are sent to an HTTP upstream; a stdio upstream takes 'env'"));
        }

        if (uri is not null && (env.Count > 0 || value.TryGetProperty("args", out _) || value.TryGetProperty("cwd", out _)))
        {
            problems.Add(new ConfigProblem(name, "'args', 'env' and 'cwd' belong to a stdio upstream ('command'), not to one with a 'url'"));
        }

        var cwd = String(value, name, "cwd", problems);
        var prefix = String(value, name, "prefix", problems) ?? name + "_";
        if (!PrefixPattern().IsMatch(prefix))
        {
            problems.Add(new ConfigProblem($"{name}.prefix", "a prefix has only letters, digits, '_', '-' and '.' (at most 64 characters)"));
        }

        var timeout = Seconds(value, name, "timeout", 30, problems);
        var health = Seconds(value, name, "health_interval", 30, problems);
        var include = value.TryGetProperty("include", out var includeValue) ? StringList(includeValue, $"{name}.include", problems) ?? [] : [];
        var exclude = value.TryGetProperty("exclude", out var excludeValue) ? StringList(excludeValue, $"{name}.exclude", problems) ?? [] : [];
        var quarantine = Bool(value, name, "quarantine", problems) ?? false;
        var enabled = Bool(value, name, "enabled", problems) ?? true;

        var cache = Cache(value, name, problems);
        var retries = Retries(value, name, problems);
        var breaker = CircuitBreaker(value, name, problems);
        var forward = Forward(value, name, problems);
        var policies = new Dictionary<string, PolicySet>(StringComparer.Ordinal);
        if (value.TryGetProperty("policies", out var policiesValue))
        {
            if (policiesValue.ValueKind != JsonValueKind.Object)
            {
                problems.Add(new ConfigProblem($"{name}.policies", "must be a mapping of the upstream's tool names to policies ({input: [...], output: [...]})"));
            }
            else
            {
                foreach (var tool in policiesValue.EnumerateObject())
                {
                    var found = new List<ConfigProblem>();
                    var set = policyReader?.Read(tool.Value, found) ?? new PolicySet();
                    problems.AddRange(found.Select(p => new ConfigProblem(
                        p.Path.Length == 0 ? $"{name}.policies.{tool.Name}" : $"{name}.policies.{tool.Name}.{p.Path}", p.Message)));
                    policies[tool.Name] = set;
                }
            }
        }

        if (problems.Count > before)
        {
            return null;
        }

        var fullCwd = cwd is null ? projectRoot : Path.GetFullPath(Path.Combine(projectRoot, cwd));
        return new UpstreamSettings
        {
            Name = name,
            Url = uri,
            Command = command,
            Args = args,
            Env = env,
            Cwd = command is null ? null : fullCwd,
            Headers = headers,
            Prefix = prefix,
            Timeout = timeout,
            HealthInterval = health,
            Include = include,
            Exclude = exclude,
            Quarantine = quarantine,
            Enabled = enabled,
            Policies = policies,
            Cache = cache,
            Retries = retries,
            CircuitBreaker = breaker,
            Forward = forward,
            // The client capabilities declared to the upstream follow 'forward': a change of it means a new connection.
            ConnectionKey = JsonSerializer.Serialize(new object?[]
            {
                uri?.ToString(), command, args, env.OrderBy(e => e.Key, StringComparer.Ordinal).ToArray(), command is null ? null : fullCwd,
                headers.OrderBy(h => h.Key, StringComparer.Ordinal).ToArray(), timeout.TotalMilliseconds, health.TotalMilliseconds,
                forward.Sampling, forward.Elicitation, forward.Roots,
            }),
        };
    }

    private static UpstreamCacheSettings? Cache(JsonElement value, string name, List<ConfigProblem> problems)
    {
        if (!value.TryGetProperty("cache", out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var path = $"{name}.cache";
        if (v.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new ConfigProblem(path, $"must be a mapping ({{ttl: seconds, max_entries: count}}), got {Kind(v)}"));
            return null;
        }

        foreach (var property in v.EnumerateObject().Where(p => !CacheKeys.Contains(p.Name)))
        {
            problems.Add(new ConfigProblem($"{path}.{property.Name}", "unknown key; expected one of max_entries, ttl"));
        }

        var ttl = Seconds(v, path, "ttl", 60, problems);
        var max = 1000;
        if (v.TryGetProperty("max_entries", out var m) && m.ValueKind != JsonValueKind.Null)
        {
            if (m.ValueKind == JsonValueKind.Number && m.TryGetInt32(out var count) && count is > 0 and <= 1_000_000)
            {
                max = count;
            }
            else
            {
                problems.Add(new ConfigProblem($"{path}.max_entries", $"must be a whole number from 1 to 1000000, got {(m.ValueKind == JsonValueKind.Number ? m.GetRawText() : Kind(m))}"));
            }
        }

        return new UpstreamCacheSettings(ttl, max);
    }

    /// <summary><c>forward</c>: <c>true</c> or <c>false</c> for all three, or a mapping of each (absent ones are off).</summary>
    private static UpstreamForwardSettings Forward(JsonElement value, string name, List<ConfigProblem> problems)
    {
        var path = $"{name}.forward";
        if (value.TryGetProperty("forward", out var all) && all.ValueKind == JsonValueKind.True)
        {
            return new UpstreamForwardSettings(true, true, true);
        }

        if (Section(value, "forward", path, "{sampling: bool, elicitation: bool, roots: bool}", ForwardKeys, problems) is not { } v)
        {
            return UpstreamForwardSettings.None;
        }

        return new UpstreamForwardSettings(Bool(v, path, "sampling", problems) ?? false, Bool(v, path, "elicitation", problems) ?? false, Bool(v, path, "roots", problems) ?? false);
    }

    private static UpstreamRetrySettings? Retries(JsonElement value, string name, List<ConfigProblem> problems)
    {
        var path = $"{name}.retries";
        if (Section(value, "retries", path, "{max_attempts: count, backoff: seconds}", RetryKeys, problems) is not { } v)
        {
            return value.TryGetProperty("retries", out var off) && off.ValueKind == JsonValueKind.False ? null : UpstreamRetrySettings.Default;
        }

        var max = Whole(v, path, "max_attempts", UpstreamRetrySettings.Default.MaxAttempts, 0, 10, problems);
        var backoff = Seconds(v, path, "backoff", UpstreamRetrySettings.Default.Backoff.TotalSeconds, problems, max: 60);
        return max == 0 ? null : new UpstreamRetrySettings(max, backoff);
    }

    private static UpstreamCircuitBreakerSettings? CircuitBreaker(JsonElement value, string name, List<ConfigProblem> problems)
    {
        var path = $"{name}.circuit_breaker";
        if (Section(value, "circuit_breaker", path, "{failure_ratio, min_calls, sampling_seconds, break_seconds}", BreakerKeys, problems) is not { } v)
        {
            return value.TryGetProperty("circuit_breaker", out var off) && off.ValueKind == JsonValueKind.False ? null : UpstreamCircuitBreakerSettings.Default;
        }

        var fallback = UpstreamCircuitBreakerSettings.Default;
        var ratio = fallback.FailureRatio;
        if (v.TryGetProperty("failure_ratio", out var r) && r.ValueKind != JsonValueKind.Null)
        {
            if (r.ValueKind == JsonValueKind.Number && r.TryGetDouble(out var d) && d is > 0 and <= 1)
            {
                ratio = d;
            }
            else
            {
                problems.Add(new ConfigProblem($"{path}.failure_ratio", $"must be a number greater than 0 and at most 1 (the share of failed calls that opens the circuit), got {(r.ValueKind == JsonValueKind.Number ? r.GetRawText() : Kind(r))}"));
            }
        }

        var min = Whole(v, path, "min_calls", fallback.MinCalls, 2, 100_000, problems);
        var sampling = Seconds(v, path, "sampling_seconds", fallback.Sampling.TotalSeconds, problems, min: 0.5);
        var pause = Seconds(v, path, "break_seconds", fallback.Break.TotalSeconds, problems, min: 0.5);
        return new UpstreamCircuitBreakerSettings(ratio, min, sampling, pause);
    }

    /// <summary>A nested mapping such as <c>retries</c>: <see langword="null"/> when absent, <c>false</c> or wrong (reported).</summary>
    private static JsonElement? Section(JsonElement value, string key, string path, string shape, HashSet<string> keys, List<ConfigProblem> problems)
    {
        if (!value.TryGetProperty(key, out var v) || v.ValueKind is JsonValueKind.Null or JsonValueKind.False)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new ConfigProblem(path, $"must be a mapping ({shape}) or false, got {Kind(v)}"));
            return null;
        }

        foreach (var property in v.EnumerateObject().Where(p => !keys.Contains(p.Name)))
        {
            problems.Add(new ConfigProblem($"{path}.{property.Name}", $"unknown key; expected one of {string.Join(", ", keys.Order(StringComparer.Ordinal))}"));
        }

        return v;
    }

    private static int Whole(JsonElement value, string path, string key, int fallback, int min, int max, List<ConfigProblem> problems)
    {
        if (!value.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var count) && count >= min && count <= max)
        {
            return count;
        }

        problems.Add(new ConfigProblem($"{path}.{key}", $"must be a whole number from {min} to {max}, got {(v.ValueKind == JsonValueKind.Number ? v.GetRawText() : Kind(v))}"));
        return fallback;
    }

    /// <summary>A URL as it may appear in a message: without user info and query.</summary>
    private static string Redact(string url) => url.Split('?')[0] is var noQuery && noQuery.IndexOf('@') is var at and > 0 ? "…" + noQuery[(at + 1)..] : url.Split('?')[0];

    private static string? String(JsonElement value, string name, string key, List<ConfigProblem> problems)
    {
        if (!value.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.String)
        {
            return v.GetString();
        }

        problems.Add(new ConfigProblem($"{name}.{key}", $"must be a string, got {Kind(v)}"));
        return null;
    }

    private static bool? Bool(JsonElement value, string name, string key, List<ConfigProblem> problems)
    {
        if (!value.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return v.GetBoolean();
        }

        problems.Add(new ConfigProblem($"{name}.{key}", $"must be true or false, got {Kind(v)}"));
        return null;
    }

    private static TimeSpan Seconds(JsonElement value, string name, string key, double fallback, List<ConfigProblem> problems, double min = 0, double max = 86_400)
    {
        if (!value.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return TimeSpan.FromSeconds(fallback);
        }

        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var seconds) && seconds > 0 && seconds >= min && seconds <= max)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        var lower = min > 0 ? $"at least {min.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "greater than 0";
        problems.Add(new ConfigProblem($"{name}.{key}", $"must be a number of seconds {lower} and at most {max.ToString(System.Globalization.CultureInfo.InvariantCulture)}, got {(v.ValueKind == JsonValueKind.Number ? v.GetRawText() : Kind(v))}"));
        return TimeSpan.FromSeconds(fallback);
    }

    private static List<string>? StringList(JsonElement v, string path, List<ConfigProblem> problems)
    {
        if (v.ValueKind != JsonValueKind.Array)
        {
            problems.Add(new ConfigProblem(path, $"must be a list of strings, got {Kind(v)}"));
            return null;
        }

        var list = new List<string>();
        var i = 0;
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                problems.Add(new ConfigProblem($"{path}[{i}]", $"must be a string, got {Kind(item)}"));
                return null;
            }

            list.Add(item.GetString()!);
            i++;
        }

        return list;
    }

    private static Dictionary<string, string> StringMap(JsonElement value, string name, string key, List<ConfigProblem> problems)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!value.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return map;
        }

        if (v.ValueKind != JsonValueKind.Object)
        {
            problems.Add(new ConfigProblem($"{name}.{key}", $"must be a mapping of names to strings, got {Kind(v)}"));
            return map;
        }

        foreach (var p in v.EnumerateObject())
        {
            if (p.Value.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
            {
                map[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
            }
            else
            {
                problems.Add(new ConfigProblem($"{name}.{key}.{p.Name}", $"must be a string, got {Kind(p.Value)}"));
            }
        }

        return map;
    }

    private static string Kind(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Object => "a mapping",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}

/// <summary>Tool-name patterns with <c>*</c> (any run of characters) and <c>?</c> (one character).</summary>
internal static class Glob
{
    public static bool Matches(string pattern, string text) => Matches(pattern.AsSpan(), text.AsSpan());

    private static bool Matches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
