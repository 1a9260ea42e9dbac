using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mxcp.Abstractions;
using Mxcp.Plugins.Upstream.Caching;
using Mxcp.Plugins.Upstream.Configuration;
using Mxcp.Plugins.Upstream.Quarantine;

namespace Mxcp.Plugins.Upstream.Supervision;

/// <summary>A tool served for an upstream: the endpoint clients see and where calls go.</summary>
internal sealed record ServedTool(EndpointDefinition Endpoint, UpstreamConnection Connection, string UpstreamName);

/// <summary>A tool held back by quarantine: new, or its definition differs from the approved one.</summary>
internal sealed record PendingTool(UpstreamTool Tool, string? ApprovedHash);

/// <summary>
/// A tool, prompt, resource or resource template of an upstream that is not served, and why: <see cref="Kind"/> is
/// <c>tool</c>, <c>prompt</c>, <c>resource</c> or <c>resource_template</c>; <see cref="Name"/> the upstream's own
/// name, URI or URI template of it.
/// </summary>
internal sealed record NotServedItem(string Upstream, string Kind, string Name, string Reason);

/// <summary>
/// The upstreams of the served project, for as long as the host runs: their supervised connections (kept across reloads
/// when an upstream's connection settings did not change), the pins of approved tool definitions, and the tools served
/// from them. Snapshots' executors read <see cref="Served"/> and hear <see cref="Changed"/>.
/// </summary>
internal sealed partial class UpstreamHub(IServiceProvider services) : IAsyncDisposable
{
    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private readonly ILoggerFactory _loggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
    private readonly object _gate = new();
    private Dictionary<string, UpstreamConnection> _connections = new(StringComparer.Ordinal);
    private Dictionary<string, ServedTool> _served = new(StringComparer.Ordinal);
    private Dictionary<string, ServedTool> _servedEntries = new(StringComparer.Ordinal);
    private Dictionary<string, IReadOnlyList<PendingTool>> _pending = new(StringComparer.Ordinal);
    private Dictionary<string, IReadOnlyList<NotServedItem>> _notServed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (bool Declared, bool Runtime)> _enabledOverrides = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = services.GetService<TimeProvider>() ?? TimeProvider.System;
    private PinStore? _pins;
    private long _maxMessageBytes = BoundedMessageStream.Limit(ResultLimits.Default);
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,128}$")]
    private static partial Regex ToolNamePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex ArgumentNamePattern();

    /// <summary>The expressions of a URI template Mxcp matches itself: <c>{name}</c>, one path segment each.</summary>
    [GeneratedRegex(@"\{([^{}]*)\}")]
    private static partial Regex UriExpression();

    /// <summary>The response cache of the upstreams with a <c>cache</c>.</summary>
    public ResponseCache Cache { get; } = new(services.GetService<TimeProvider>() ?? TimeProvider.System);

    private ILogger Logger => _loggerFactory.CreateLogger("Mxcp.Plugins.Upstream");

    /// <summary>The folder of the served project's <c>mxcp-site.yml</c>; <see langword="null"/> before the first project.</summary>
    public string? ProjectRoot { get; private set; }

    /// <summary>Raised after <see cref="Served"/> changed.</summary>
    public event Action? Changed;

    /// <summary>The served tools by their served name.</summary>
    public IReadOnlyDictionary<string, ServedTool> Served
    {
        get
        {
            lock (_gate)
            {
                return _served;
            }
        }
    }

    /// <summary>The served prompts and resources (templates included) by their endpoint key (<c>prompt/name</c>, <c>resource/uri</c>).</summary>
    public IReadOnlyDictionary<string, ServedTool> ServedEntries
    {
        get
        {
            lock (_gate)
            {
                return _servedEntries;
            }
        }
    }

    public IReadOnlyList<UpstreamConnection> Connections
    {
        get
        {
            lock (_gate)
            {
                return [.. _connections.Values.OrderBy(c => c.Name, StringComparer.Ordinal)];
            }
        }
    }

    public UpstreamConnection? Find(string name)
    {
        lock (_gate)
        {
            return _connections.GetValueOrDefault(name);
        }
    }

    public IReadOnlyList<PendingTool> Pending(string name)
    {
        lock (_gate)
        {
            return _pending.GetValueOrDefault(name) ?? [];
        }
    }

    /// <summary>What of the upstream is not served (a name taken by another upstream, a name or template Mxcp cannot serve).</summary>
    public IReadOnlyList<NotServedItem> NotServed(string name)
    {
        lock (_gate)
        {
            return _notServed.GetValueOrDefault(name) ?? [];
        }
    }

    /// <summary>
    /// Serves the upstreams of <paramref name="settings"/>: new ones are connected (waiting for their first attempt at
    /// most their timeout, together), removed or changed ones stopped, unchanged ones kept as they are. Each connection's
    /// message limit follows <paramref name="limits"/> (from its next connection on).
    /// </summary>
    public async Task ApplyAsync(IReadOnlyList<UpstreamSettings> settings, string projectRoot, CancellationToken cancellationToken, ResultLimits? limits = null)
    {
        await _applyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _pins ??= PinStore.Open(projectRoot);
            ProjectRoot = projectRoot;
            foreach (var gone in _enabledOverrides.Keys.Where(n => !settings.Any(s => s.Name == n)).ToList())
            {
                _enabledOverrides.Remove(gone);
            }

            var next = new Dictionary<string, UpstreamConnection>(StringComparer.Ordinal);
            var started = new List<UpstreamConnection>();
            var stopped = new List<UpstreamConnection>();
            Dictionary<string, UpstreamConnection> current;
            lock (_gate)
            {
                current = _connections;
            }

            foreach (var declared in settings)
            {
                var upstream = WithEnabledOverride(declared);
                if (current.TryGetValue(upstream.Name, out var existing)
                    && existing.Settings.ConnectionKey == upstream.ConnectionKey && existing.Settings.Enabled == upstream.Enabled)
                {
                    // The same connection; what is served from it (prefix, filters, quarantine, policies) may have changed.
                    existing.Settings = upstream;
                    next[upstream.Name] = existing;
                    continue;
                }

                if (existing is not null)
                {
                    stopped.Add(existing);
                }

                var connection = Watch(new UpstreamConnection(upstream, _loggerFactory, _time));
                next[upstream.Name] = connection;
                started.Add(connection);
            }

            _maxMessageBytes = BoundedMessageStream.Limit(limits ?? ResultLimits.Default);
            foreach (var connection in next.Values)
            {
                connection.MaxMessageBytes = _maxMessageBytes;
            }

            var removed = current.Values.Where(c => !next.ContainsKey(c.Name)).ToList();
            stopped.AddRange(removed);
            Cache.Retain([.. settings.Where(s => s.Cache is not null).Select(s => s.Name)]);
            lock (_gate)
            {
                _connections = next;
            }

            foreach (var connection in stopped)
            {
                Unwatch(connection);
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var connection in removed)
            {
                Publish("upstream.removed", new JsonObject { ["upstream"] = connection.Name });
            }

            foreach (var connection in started.Where(c => !current.ContainsKey(c.Name)))
            {
                Publish("upstream.added", new JsonObject
                {
                    ["upstream"] = connection.Name,
                    ["transport"] = connection.Settings.Transport,
                    ["target"] = connection.Settings.Target,
                    ["prefix"] = connection.Settings.Prefix,
                });
            }

            await Task.WhenAll(started.Select(c => c.StartAsync(c.Settings.Timeout, cancellationToken))).ConfigureAwait(false);
            Recompute();
        }
        finally
        {
            _applyLock.Release();
        }
    }

    /// <summary>
    /// The settings as served: <c>enabled</c> as set through the admin API, until the server stops or the project's
    /// own <c>enabled</c> of the upstream changes.
    /// </summary>
    private UpstreamSettings WithEnabledOverride(UpstreamSettings declared)
    {
        if (!_enabledOverrides.TryGetValue(declared.Name, out var entry))
        {
            return declared;
        }

        if (entry.Declared != declared.Enabled)
        {
            _enabledOverrides.Remove(declared.Name);
            return declared;
        }

        return declared with { Enabled = entry.Runtime };
    }

    /// <summary>
    /// Enables or disables an upstream until the server stops (or the project changes its <c>enabled</c>): a disabled
    /// upstream's connection is closed and its tools leave the served set; an enabled one connects again.
    /// </summary>
    /// <returns>Whether anything changed; <see langword="null"/> when there is no upstream of that name.</returns>
    public async Task<bool?> SetEnabledAsync(string name, bool enabled, CancellationToken cancellationToken)
    {
        await _applyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            UpstreamConnection? existing;
            lock (_gate)
            {
                existing = _connections.GetValueOrDefault(name);
            }

            if (existing is null)
            {
                return null;
            }

            var declared = _enabledOverrides.TryGetValue(name, out var entry) ? entry.Declared : existing.Settings.Enabled;
            _enabledOverrides[name] = (declared, enabled);
            if (existing.Settings.Enabled == enabled)
            {
                return false;
            }

            var replacement = Watch(new UpstreamConnection(existing.Settings with { Enabled = enabled }, _loggerFactory, _time) { MaxMessageBytes = _maxMessageBytes });
            lock (_gate)
            {
                _connections = new Dictionary<string, UpstreamConnection>(_connections, StringComparer.Ordinal) { [name] = replacement };
            }

            Unwatch(existing);
            await existing.DisposeAsync().ConfigureAwait(false);
            Log.EnabledChanged(Logger, name, enabled ? "enabled" : "disabled");
            Recompute();
            if (enabled)
            {
                await replacement.StartAsync(replacement.Settings.Timeout, cancellationToken).ConfigureAwait(false);
                Recompute();
            }

            return true;
        }
        finally
        {
            _applyLock.Release();
        }
    }

    /// <summary>Approves the pending tools of an upstream (all of them, or those named) and serves them.</summary>
    /// <returns>The names approved.</returns>
    public IReadOnlyList<string> Approve(string name, IReadOnlyCollection<string>? tools)
    {
        var pending = Pending(name).Where(p => tools is null || tools.Contains(p.Tool.Name)).ToList();
        if (pending.Count > 0)
        {
            _pins!.Approve(name, pending.Select(p => KeyValuePair.Create(p.Tool.Name, p.Tool.Hash)));
            Log.Approved(Logger, name, string.Join(", ", pending.Select(p => p.Tool.Name)));
            Publish("upstream.approved", new JsonObject
            {
                ["upstream"] = name,
                ["tools"] = new JsonArray([.. pending.Select(p => (JsonNode)new JsonObject { ["name"] = p.Tool.Name, ["hash"] = p.Tool.Hash })]),
            });
            Recompute();
        }

        return [.. pending.Select(p => p.Tool.Name)];
    }

    private UpstreamConnection Watch(UpstreamConnection connection)
    {
        connection.ToolsChanged += OnToolsChanged;
        connection.HealthChanged += OnHealthChanged;
        connection.CircuitChanged += OnCircuitChanged;
        return connection;
    }

    private void Unwatch(UpstreamConnection connection)
    {
        connection.ToolsChanged -= OnToolsChanged;
        connection.HealthChanged -= OnHealthChanged;
        connection.CircuitChanged -= OnCircuitChanged;
    }

    private void OnToolsChanged(UpstreamConnection connection) => Recompute();

    private void OnHealthChanged(UpstreamConnection connection, HealthTransition transition) =>
        Publish("upstream.health", new JsonObject
        {
            ["upstream"] = connection.Name,
            ["from"] = transition.From,
            ["to"] = transition.To,
            ["error"] = transition.Error,
            ["consecutive_failures"] = connection.ConsecutiveFailures,
        });

    private void OnCircuitChanged(UpstreamConnection connection, HealthTransition transition) =>
        Publish("upstream.circuit", new JsonObject
        {
            ["upstream"] = connection.Name,
            ["from"] = transition.From,
            ["to"] = transition.To,
            ["error"] = transition.Error,
            ["break_seconds"] = connection.Settings.CircuitBreaker?.Break.TotalSeconds,
        });

    private void Publish(string name, JsonObject data)
    {
        try
        {
            services.GetService<IAdminEventPublisher>()?.Publish(name, data);
        }
        catch (ObjectDisposedException)
        {
            // The host is shutting down.
        }
    }

    /// <summary>
    /// Works out what is served and what waits for approval; raises <see cref="Changed"/> when the served set changed.
    /// Upstreams are taken in the ordinal order of their names, so of two that would serve the same name the first by
    /// name serves it, whatever the order of their connections.
    /// </summary>
    private void Recompute()
    {
        var servedEntries = new Dictionary<string, ServedTool>(StringComparer.Ordinal);
        var notServed = new List<NotServedItem>();
        var pending = new Dictionary<string, IReadOnlyList<PendingTool>>(StringComparer.Ordinal);
        var newlyPending = new List<(string Upstream, List<PendingTool> Tools)>();
        var candidates = new List<(UpstreamConnection Connection, IReadOnlyList<UpstreamTool> Tools)>();
        Dictionary<string, ServedTool> served;
        bool changed;
        lock (_gate)
        {
            foreach (var connection in _connections.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
            {
                var settings = connection.Settings;
                var held = new List<PendingTool>();
                var approvedTools = new List<UpstreamTool>();
                foreach (var tool in connection.Tools.Where(t => settings.Admits(t.Name)))
                {
                    if (settings.Quarantine && _pins!.Approved(settings.Name, tool.Name) is var approved && approved != tool.Hash)
                    {
                        held.Add(new PendingTool(tool, approved));
                        continue;
                    }

                    approvedTools.Add(tool);
                }

                candidates.Add((connection, approvedTools));

                // Prompts and resources: quarantined like tools (their descriptions reach the model too); include and exclude
                // name tools only.
                foreach (var entry in connection.Entries)
                {
                    if (settings.Quarantine && _pins!.Approved(settings.Name, entry.PinKey) is var approved && approved != entry.Hash)
                    {
                        held.Add(new PendingTool(new UpstreamTool(entry.PinKey, entry.Description, entry.Definition, entry.Hash), approved));
                        continue;
                    }

                    var kind = entry.Kind == EndpointKind.Prompt ? "prompt" : entry.IsTemplate ? "resource_template" : "resource";
                    if (EntryEndpoint(settings, entry, out var problem) is not { } endpoint)
                    {
                        notServed.Add(new NotServedItem(settings.Name, kind, entry.Id, problem!));
                        continue;
                    }

                    if (!servedEntries.TryAdd(endpoint.Key, new ServedTool(endpoint, connection, settings.Name)))
                    {
                        notServed.Add(new NotServedItem(settings.Name, kind, entry.Id, $"the {(entry.Kind == EndpointKind.Prompt ? "prompt" : "resource")} '{(entry.Kind == EndpointKind.Prompt ? endpoint.Name : endpoint.Uri)}' is already served for {servedEntries[endpoint.Key].Endpoint.Origin}"));
                    }
                }

                pending[settings.Name] = held;
                var before = _pending.GetValueOrDefault(settings.Name) ?? [];
                var fresh = held.Where(h => !before.Any(b => b.Tool.Name == h.Tool.Name && b.Tool.Hash == h.Tool.Hash)).ToList();
                if (fresh.Count > 0)
                {
                    newlyPending.Add((settings.Name, fresh));
                }
            }

            served = ServeTools(candidates, notServed);
            changed = Differs(served, _served) || Differs(servedEntries, _servedEntries);
            _served = served;
            _servedEntries = servedEntries;
            _pending = pending;
            _notServed = notServed.GroupBy(n => n.Upstream, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (IReadOnlyList<NotServedItem>)[.. g.Distinct()], StringComparer.Ordinal);
        }

        // Each problem is logged once (the set is emptied should it ever grow large, so it stays bounded).
        List<NotServedItem> unreported;
        lock (_reported)
        {
            if (_reported.Count > 1_000)
            {
                _reported.Clear();
            }

            unreported = [.. notServed.Distinct().Where(n => _reported.Add(n.Upstream + "\n" + n.Reason))];
        }

        foreach (var item in unreported)
        {
            Log.NotServed(Logger, item.Upstream, item.Reason);
        }

        foreach (var (upstream, tools) in newlyPending)
        {
            Log.Quarantined(Logger, upstream, tools.Count, string.Join(", ", tools.Select(t => t.Tool.Name)));
            Publish("upstream.quarantine", new JsonObject
            {
                ["upstream"] = upstream,
                ["tools"] = new JsonArray([.. tools.Select(t => (JsonNode)new JsonObject { ["name"] = t.Tool.Name, ["hash"] = t.Tool.Hash, ["change"] = t.ApprovedHash is null ? "new" : "changed" })]),
            });
        }

        if (changed)
        {
            Changed?.Invoke();
        }
    }

    /// <summary>
    /// The tools served as <c>&lt;prefix&gt;&lt;name&gt;</c>, from the upstreams in the ordinal order of their names: a
    /// served name that is not a valid tool name, or that an upstream earlier by name already serves, is not served and
    /// is added to <paramref name="notServed"/> naming both upstreams and both tools.
    /// </summary>
    internal static Dictionary<string, ServedTool> ServeTools(IEnumerable<(UpstreamConnection Connection, IReadOnlyList<UpstreamTool> Tools)> candidates, List<NotServedItem> notServed)
    {
        var served = new Dictionary<string, ServedTool>(StringComparer.Ordinal);
        foreach (var (connection, tools) in candidates.OrderBy(c => c.Connection.Name, StringComparer.Ordinal))
        {
            var settings = connection.Settings;
            foreach (var tool in tools)
            {
                var servedName = settings.Prefix + tool.Name;
                if (!ToolNamePattern().IsMatch(servedName))
                {
                    notServed.Add(new NotServedItem(settings.Name, "tool", tool.Name, $"the tool '{tool.Name}' would be served as '{servedName}', which is not a valid MCP tool name"));
                    continue;
                }

                if (served.TryGetValue(servedName, out var winner))
                {
                    if (!ReferenceEquals(winner.Connection, connection))
                    {
                        var winnerTool = winner.Endpoint.Metadata!.Value.GetProperty("upstream_tool").GetString();
                        notServed.Add(new NotServedItem(settings.Name, "tool", tool.Name,
                            $"the tool '{servedName}' (tool '{tool.Name}' of upstream '{settings.Name}') has the same served name as tool '{winnerTool}' of upstream '{winner.UpstreamName}' (give one of them another prefix)"));
                    }

                    continue;
                }

                served.Add(servedName, new ServedTool(Endpoint(settings, tool, servedName), connection, settings.Name));
            }
        }

        return served;
    }

    private static bool Differs(Dictionary<string, ServedTool> next, Dictionary<string, ServedTool> current) =>
        next.Count != current.Count
        || next.Any(s => !current.TryGetValue(s.Key, out var old) || !ReferenceEquals(old.Connection, s.Value.Connection) || Hash(old) != Hash(s.Value));

    /// <summary>
    /// The endpoint serving an upstream prompt (as <c>&lt;prefix&gt;&lt;name&gt;</c>, its arguments as optional or required
    /// string parameters), resource or resource template (under the upstream's own URI, named <c>&lt;prefix&gt;&lt;name&gt;</c>);
    /// <see langword="null"/> with the reason when it cannot be served.
    /// </summary>
    internal static EndpointDefinition? EntryEndpoint(UpstreamSettings settings, UpstreamEntry entry, out string? problem)
    {
        problem = null;
        var metadata = JsonSerializer.SerializeToElement(new JsonObject
        {
            ["upstream"] = settings.Name,
            [entry.Kind == EndpointKind.Prompt ? "upstream_prompt" : "upstream_uri"] = entry.Id,
            ["hash"] = entry.Hash,
        });
        if (entry.Kind == EndpointKind.Prompt)
        {
            var servedName = settings.Prefix + entry.Id;
            if (!ToolNamePattern().IsMatch(servedName))
            {
                problem = $"the prompt '{entry.Id}' would be served as '{servedName}', which is not a valid name";
                return null;
            }

            var parameters = new List<ParameterDefinition>();
            if (entry.Definition.TryGetProperty("arguments", out var arguments) && arguments.ValueKind == JsonValueKind.Array)
            {
                foreach (var argument in arguments.EnumerateArray())
                {
                    var name = argument.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
                    if (!ArgumentNamePattern().IsMatch(name) || parameters.Any(p => p.Name == name))
                    {
                        problem = $"the prompt '{entry.Id}' has an argument named '{name}', which Mxcp cannot serve (letters, digits and '_', unique)";
                        return null;
                    }

                    var required = argument.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.True;
                    parameters.Add(new ParameterDefinition(name, new TypeSchema
                    {
                        Type = SchemaType.String,
                        Description = argument.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null,
                        Nullable = !required,
                        Default = required ? null : JsonNull,
                    }));
                }
            }

            return new EndpointDefinition
            {
                Kind = EndpointKind.Prompt,
                Name = servedName,
                Description = entry.Description,
                Parameters = parameters,
                Language = UpstreamExecutorProvider.LanguageName,
                IsBuiltIn = true,
                Origin = $"upstream '{settings.Name}'",
                ReturnsMcpResult = true,
                Metadata = metadata,
            };
        }

        if (entry.IsTemplate && UriExpression().Matches(entry.Id).FirstOrDefault(m => !ArgumentNamePattern().IsMatch(m.Groups[1].Value)) is { } expression)
        {
            problem = $"the resource template '{entry.Id}' uses '{expression.Value}'; Mxcp matches only '{{name}}' expressions (one path segment each)";
            return null;
        }

        if (!entry.IsTemplate && entry.Id.Contains('{', StringComparison.Ordinal))
        {
            problem = $"the resource URI '{entry.Id}' contains '{{', which would be read as a template";
            return null;
        }

        return new EndpointDefinition
        {
            Kind = EndpointKind.Resource,
            Name = settings.Prefix + (entry.Name ?? entry.Id),
            Uri = entry.Id,
            Description = entry.Description,
            MimeType = entry.Definition.TryGetProperty("mimeType", out var mime) && mime.ValueKind == JsonValueKind.String ? mime.GetString() : null,
            Language = UpstreamExecutorProvider.LanguageName,
            IsBuiltIn = true,
            Origin = $"upstream '{settings.Name}'",
            // The template's values reach the executor as sent; the read is forwarded with the URI itself.
            InputSchema = AnyObject,
            ReturnsMcpResult = true,
            Metadata = metadata,
        };
    }

    private static readonly JsonElement JsonNull = JsonDocument.Parse("null").RootElement;

    private static readonly JsonElement AnyObject = JsonDocument.Parse("""{"type":"object"}""").RootElement;

    private static string Hash(ServedTool tool) => (string)tool.Endpoint.Metadata!.Value.GetProperty("hash").GetString()!;

    private static EndpointDefinition Endpoint(UpstreamSettings settings, UpstreamTool tool, string servedName)
    {
        var definition = tool.Definition;
        return new EndpointDefinition
        {
            Kind = EndpointKind.Tool,
            Name = servedName,
            Description = tool.Description,
            Annotations = Annotations(definition),
            Language = UpstreamExecutorProvider.LanguageName,
            IsBuiltIn = true,
            Origin = $"upstream '{settings.Name}'",
            InputSchema = definition.TryGetProperty("inputSchema", out var input) ? input : JsonDocument.Parse("""{"type":"object"}""").RootElement,
            OutputSchema = definition.TryGetProperty("outputSchema", out var output) ? output : null,
            ReturnsMcpResult = true,
            Policies = settings.Policies.GetValueOrDefault(tool.Name),
            Metadata = JsonSerializer.SerializeToElement(new JsonObject
            {
                ["upstream"] = settings.Name,
                ["upstream_tool"] = tool.Name,
                ["hash"] = tool.Hash,
            }),
        };
    }

    private static EndpointAnnotations? Annotations(JsonElement definition)
    {
        if (!definition.TryGetProperty("annotations", out var a) || a.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        static bool? Flag(JsonElement a, string key) =>
            a.TryGetProperty(key, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

        return new EndpointAnnotations
        {
            Title = a.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String ? title.GetString() : null,
            ReadOnlyHint = Flag(a, "readOnlyHint"),
            DestructiveHint = Flag(a, "destructiveHint"),
            IdempotentHint = Flag(a, "idempotentHint"),
            OpenWorldHint = Flag(a, "openWorldHint"),
        };
    }

    public async ValueTask DisposeAsync()
    {
        List<UpstreamConnection> connections;
        lock (_gate)
        {
            connections = [.. _connections.Values];
            _connections = new(StringComparer.Ordinal);
            _served = new(StringComparer.Ordinal);
            _servedEntries = new(StringComparer.Ordinal);
        }

        foreach (var connection in connections)
        {
            Unwatch(connection);
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
