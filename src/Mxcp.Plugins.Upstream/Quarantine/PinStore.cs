using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mxcp.Plugins.Upstream.Quarantine;

/// <summary>
/// The approved definitions of upstream tools (their hashes), by upstream and tool name, kept in
/// <c>.mxcp/upstream-pins.json</c> of the project so that approvals survive restarts. Written atomically (a temporary
/// file renamed over the old one). Safe for concurrent use.
/// </summary>
internal sealed class PinStore
{
    public const string RelativePath = ".mxcp/upstream-pins.json";

    private readonly object _gate = new();
    private readonly Dictionary<string, Dictionary<string, string>> _pins = new(StringComparer.Ordinal);

    private PinStore(string path) => FilePath = path;

    public string FilePath { get; }

    /// <summary>The store of <paramref name="projectRoot"/>, read from disk.</summary>
    /// <exception cref="InvalidOperationException">The file exists but cannot be read.</exception>
    public static PinStore Open(string projectRoot)
    {
        var store = new PinStore(Path.Combine(projectRoot, RelativePath));
        if (!File.Exists(store.FilePath))
        {
            return store;
        }

        try
        {
            var root = JsonNode.Parse(File.ReadAllText(store.FilePath)) as JsonObject;
            if (root?["upstreams"] is JsonObject upstreams)
            {
                foreach (var (name, tools) in upstreams)
                {
                    var map = store._pins[name] = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var (tool, hash) in tools as JsonObject ?? [])
                    {
                        if (hash is JsonValue v && v.TryGetValue<string>(out var text))
                        {
                            map[tool] = text;
                        }
                    }
                }
            }
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{RelativePath}: cannot read the approved upstream tools: {e.Message}; fix or delete the file (its tools then wait for approval again)", e);
        }

        return store;
    }

    /// <summary>The approved hash of a tool, if any.</summary>
    public string? Approved(string upstream, string tool)
    {
        lock (_gate)
        {
            return _pins.TryGetValue(upstream, out var tools) && tools.TryGetValue(tool, out var hash) ? hash : null;
        }
    }

    /// <summary>Approves the given definitions and writes the file.</summary>
    public void Approve(string upstream, IEnumerable<KeyValuePair<string, string>> tools)
    {
        lock (_gate)
        {
            if (!_pins.TryGetValue(upstream, out var map))
            {
                map = _pins[upstream] = new Dictionary<string, string>(StringComparer.Ordinal);
            }

            foreach (var (tool, hash) in tools)
            {
                map[tool] = hash;
            }

            Save();
        }
    }

    private void Save()
    {
        var upstreams = new JsonObject();
        foreach (var (name, tools) in _pins.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var map = new JsonObject();
            foreach (var (tool, hash) in tools.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                map[tool] = hash;
            }

            upstreams[name] = map;
        }

        var text = new JsonObject { ["version"] = 1, ["upstreams"] = upstreams }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        Configuration.AtomicFile.WriteAllText(FilePath, text + "\n");
    }
}
