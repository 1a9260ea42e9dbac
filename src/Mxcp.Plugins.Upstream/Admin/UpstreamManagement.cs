using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mxcp.Abstractions;
using Mxcp.Plugins.Upstream.Configuration;
using Mxcp.Plugins.Upstream.Supervision;

namespace Mxcp.Plugins.Upstream.Admin;

/// <summary>
/// Adds, replaces and removes upstreams at runtime: the change is checked like the project file, written into
/// <c>mxcp-site.yml</c> (only the lines of that upstream; atomically), and applied by reloading the project, which
/// keeps the other upstreams' connections. A change the project does not load with is undone in the file.
/// </summary>
internal sealed partial class UpstreamManagement(UpstreamHub hub, IServiceProvider services, IPolicyReader? policyReader)
{
    private const string Redacted = "[redacted]";
    private readonly SemaphoreSlim _edits = new(1, 1);

    [GeneratedRegex(@"\$\{[A-Za-z0-9_]+\}")]
    private static partial Regex VariablePattern();

    [GeneratedRegex(@"^\s*(?:(?:Bearer|Basic|Token)\s+)?$", RegexOptions.IgnoreCase)]
    private static partial Regex SchemeOnlyPattern();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex NamePattern();

    private ILogger Logger => (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Mxcp.Plugins.Upstream");

    /// <summary>Adds an upstream (<paramref name="replace"/> false: 409 when it exists) or adds or replaces it (true).</summary>
    public async Task<(AdminApiResponse? Error, bool Created, JsonObject? Config)> PutAsync(string name, JsonElement? body, bool replace, CancellationToken cancellationToken)
    {
        if (!NamePattern().IsMatch(name))
        {
            return (Invalid("name", "an upstream name starts with a letter and has only letters, digits, '_' and '-' (at most 64 characters)"), false, null);
        }

        if (body is not { ValueKind: JsonValueKind.Object } b)
        {
            return (AdminApiResponse.Error(400, "invalid_request", "The body is the upstream's settings as in mxcp-site.yml, as a JSON object ({\"url\": ...} or {\"command\": [...]})"), false, null);
        }

        var value = (JsonObject)JsonNode.Parse(b.GetRawText())!;
        if (value["name"] is { } given)
        {
            if (given.GetValueKind() != JsonValueKind.String || given.GetValue<string>() != name)
            {
                return (Invalid("name", $"the body names another upstream than '{name}'"), false, null);
            }

            value.Remove("name");
        }

        return await EditAsync(name, value, replace, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes an upstream from the file and from what is served.</summary>
    public async Task<AdminApiResponse?> DeleteAsync(string name, CancellationToken cancellationToken) =>
        (await EditAsync(name, null, replace: true, cancellationToken).ConfigureAwait(false)).Error;

    private async Task<(AdminApiResponse? Error, bool Created, JsonObject? Config)> EditAsync(string name, JsonObject? value, bool replace, CancellationToken cancellationToken)
    {
        if (hub.ProjectRoot is not { } root || services.GetService<IProjectReloader>() is not { } reloader)
        {
            return (AdminApiResponse.Error(503, "not_available", "The project is not loaded yet, or this host cannot reload it"), false, null);
        }

        await _edits.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var path = Path.Combine(root, SiteFileEditor.FileName);
            string before;
            JsonObject declared;
            try
            {
                before = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
                declared = SiteFileEditor.Upstreams(before);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                return (AdminApiResponse.Error(500, "project_file", $"{SiteFileEditor.FileName} cannot be read: {e.Message}"), false, null);
            }

            var exists = declared.ContainsKey(name);
            if (value is null && !exists)
            {
                return (AdminApiResponse.Error(404, "not_found", $"No upstream named '{name}' in {SiteFileEditor.FileName}" + (hub.Find(name) is null ? "" : " (it is served from a file that is not the project's own)")), false, null);
            }

            if (value is not null && exists && !replace)
            {
                return (AdminApiResponse.Error(409, "exists", $"An upstream named '{name}' exists already; replace it with PUT /upstreams/{name}"), false, null);
            }

            if (value is not null)
            {
                declared[name] = value.DeepClone();
                if (Check(declared, root, name) is { } problem)
                {
                    return (problem.Message.Contains("is also the prefix of upstream", StringComparison.Ordinal)
                        ? AdminApiResponse.Error(409, "prefix_conflict", $"{UpstreamSettingsReader.SectionKey}.{problem}")
                        : AdminApiResponse.Error(400, "invalid_upstream", $"{UpstreamSettingsReader.SectionKey}.{problem}"), false, null);
                }
            }

            var after = SiteFileEditor.SetUpstream(before, name, value);
            AtomicFile.WriteAllText(path, after);
            var change = value is null ? "removed" : exists ? "replaced" : "added";
            // Waited for even when the caller goes away: a change the project does not load with must be undone.
            if (!await reloader.ReloadAsync($"upstream '{name}' {change} through the admin API", null, CancellationToken.None).ConfigureAwait(false))
            {
                AtomicFile.WriteAllText(path, before);
                var error = reloader.LastReloadError ?? "see the server log";
                var clash = error.Contains("has the same name as", StringComparison.Ordinal);
                return (AdminApiResponse.Error(clash ? 409 : 400, clash ? "name_conflict" : "not_applied",
                    $"upstream '{name}' was not {change}: the project does not load with it: {error}. {SiteFileEditor.FileName} is as it was."), false, null);
            }

            Log.Managed(Logger, name, change, SiteFileEditor.FileName);
            return (null, !exists, value is null ? null : Redact(value));
        }
        finally
        {
            _edits.Release();
        }
    }

    /// <summary>
    /// The first problem of the section as it would be that concerns <paramref name="name"/> (its own settings, or a
    /// prefix it shares), references left as written; the reload checks the rest with references resolved.
    /// </summary>
    private ConfigProblem? Check(JsonObject declared, string root, string name)
    {
        var section = new JsonObject();
        foreach (var (entry, value) in declared)
        {
            var copy = value?.DeepClone();
            // A URL made of references is checked once the project is loaded with them resolved.
            if (copy is JsonObject o && o["url"] is JsonValue url && url.GetValueKind() == JsonValueKind.String && IsReference(url.GetValue<string>()))
            {
                o["url"] = "http://reference.invalid/";
            }

            section[entry] = copy;
        }

        var problems = new List<ConfigProblem>();
        UpstreamSettingsReader.Read(JsonSerializer.SerializeToElement(section), root, policyReader, problems);
        return problems.FirstOrDefault(p => p.Path == name || p.Path.StartsWith(name + ".", StringComparison.Ordinal)
            || p.Message.Contains($"upstream '{name}'", StringComparison.Ordinal));
    }

    private static bool IsReference(string value) =>
        VariablePattern().IsMatch(value) || value.StartsWith("file://", StringComparison.Ordinal)
        || value.StartsWith("vault://", StringComparison.Ordinal) || value.StartsWith("op://", StringComparison.Ordinal);

    /// <summary>
    /// Settings as they may be shown: header and environment values only when they are references (<c>${VAR}</c>,
    /// <c>Bearer ${VAR}</c>, <c>vault://...</c>), the URL without user info or query.
    /// </summary>
    public static JsonObject Redact(JsonObject value)
    {
        var copy = (JsonObject)value.DeepClone();
        foreach (var key in (string[])["headers", "env"])
        {
            if (copy[key] is JsonObject map)
            {
                foreach (var entry in map.Select(e => e.Key).ToList())
                {
                    map[entry] = map[entry] is JsonValue v && v.GetValueKind() == JsonValueKind.String && ShowsNoSecret(v.GetValue<string>()) ? v.GetValue<string>() : Redacted;
                }
            }
        }

        if (copy["url"] is JsonValue url && url.GetValueKind() == JsonValueKind.String)
        {
            var text = url.GetValue<string>().Split('?', '#')[0];
            var scheme = text.IndexOf("://", StringComparison.Ordinal);
            var at = text.IndexOf('@', StringComparison.Ordinal);
            copy["url"] = scheme > 0 && at > scheme ? text[..(scheme + 3)] + text[(at + 1)..] : text;
        }

        return copy;
    }

    private static bool ShowsNoSecret(string value) =>
        value.StartsWith("vault://", StringComparison.Ordinal) || value.StartsWith("op://", StringComparison.Ordinal)
        || value.StartsWith("file://", StringComparison.Ordinal)
        || (VariablePattern().IsMatch(value) && SchemeOnlyPattern().IsMatch(VariablePattern().Replace(value, "")));

    private static AdminApiResponse Invalid(string field, string message) => AdminApiResponse.Error(400, "invalid_upstream", $"{field}: {message}");
}
