using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Server;
using Mxcp.Abstractions;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Reload;

namespace Mxcp.Runtime.Mcp;

/// <summary>
/// The tool, resource and prompt collections every MCP session of the host serves: the host's own primitives (registered
/// with <c>AddMcpServer().WithTools&lt;T&gt;()</c> and the like, or put into the server options' collections) next to
/// the project's endpoints. A new snapshot changes only the primitives the project owns, under deferred change events,
/// so clients get at most one <c>list_changed</c> per kind and reload, and only for kinds whose advertised definitions
/// changed. A project endpoint may not take the name of a host primitive: such a project is refused with both named.
/// </summary>
internal sealed partial class McpPrimitiveSynchronizer : IProjectSnapshotListener, IProjectSnapshotValidator, IDisposable
{
    private readonly ProjectSnapshotProvider _snapshots;
    private readonly EndpointInvoker _invoker;
    private readonly EndpointAvailability _availability;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly HashSet<string> _reportedHostClashes = new(StringComparer.Ordinal);
    private int _hostPrimitivesAdopted;

    public McpPrimitiveSynchronizer(
        ProjectSnapshotProvider snapshots,
        EndpointInvoker invoker,
        EndpointAvailability availability,
        IServiceProvider services,
        ILogger<McpPrimitiveSynchronizer> logger)
    {
        _snapshots = snapshots;
        _invoker = invoker;
        _availability = availability;
        _services = services;
        _logger = logger;
        _availability.Changed += OnAvailabilityChanged;
    }

    public McpServerPrimitiveCollection<McpServerTool> Tools { get; } = new();

    public McpServerResourceCollection Resources { get; } = new();

    public McpServerPrimitiveCollection<McpServerPrompt> Prompts { get; } = new();

    /// <summary>
    /// Points <paramref name="options"/> at the shared collections, first adding the host primitives the options carry
    /// (once per name: the SDK builds server options per request in stateless mode, so this stays a few lookups).
    /// </summary>
    public void Attach(McpServerOptions options)
    {
        options.ToolCollection = Adopt<McpServerTool, McpServerPrimitiveCollection<McpServerTool>>(options.ToolCollection, Tools, "tool");
        options.ResourceCollection = Adopt<McpServerResource, McpServerResourceCollection>(options.ResourceCollection, Resources, "resource");
        options.PromptCollection = Adopt<McpServerPrompt, McpServerPrimitiveCollection<McpServerPrompt>>(options.PromptCollection, Prompts, "prompt");
        Volatile.Write(ref _hostPrimitivesAdopted, 1);
    }

    /// <summary>
    /// Makes sure the host's primitives are in the shared collections before the project's are compared with them:
    /// building the server options once runs <see cref="Attach"/> with everything the host registered.
    /// </summary>
    public void EnsureHostPrimitives()
    {
        if (Volatile.Read(ref _hostPrimitivesAdopted) == 0)
        {
            _ = _services.GetRequiredService<IOptions<McpServerOptions>>().Value;
        }
    }

    public void OnSnapshotChanged(ProjectSnapshot snapshot) => Synchronize(snapshot);

    public string? Validate(ProjectSnapshot candidate)
    {
        EnsureHostPrimitives();
        foreach (var (definition, source) in Candidates(candidate))
        {
            IMcpServerPrimitive? host = definition.Kind switch
            {
                EndpointKind.Tool => Tools.TryGetPrimitive(definition.Name, out var tool) && tool is not EndpointTool ? tool : null,
                EndpointKind.Prompt => Prompts.TryGetPrimitive(definition.Name, out var prompt) && prompt is not EndpointPrompt ? prompt : null,
                EndpointKind.Resource when definition.Uri is { } uri => Resources.TryGetPrimitive(uri, out var resource) && resource is not EndpointResource ? resource : null,
                _ => null,
            };
            if (host is not null)
            {
                var kind = definition.Kind.ToString().ToLowerInvariant();
                var id = definition.Kind == EndpointKind.Resource ? definition.Uri : definition.Name;
                return $"{source}: the project's {kind} '{id}' has the same {(definition.Kind == EndpointKind.Resource ? "URI" : "name")} as the host's MCP {kind} "
                    + $"{Describe(host)}; rename one of them.";
            }
        }

        return null;
    }

    private void OnAvailabilityChanged()
    {
        if (_snapshots.Current is { } current)
        {
            Synchronize(current);
        }
    }

    public void Synchronize(ProjectSnapshot snapshot)
    {
        lock (_gate)
        {
            Apply(Tools, snapshot, EndpointKind.Tool, e => new EndpointTool(e, _invoker), t => ((EndpointTool)t).ProtocolTool);
            Apply(Resources, snapshot, EndpointKind.Resource, e => new EndpointResource(e, _invoker), r => ((EndpointResource)r).ProtocolResourceTemplate);
            Apply(Prompts, snapshot, EndpointKind.Prompt, e => new EndpointPrompt(e, _invoker), p => ((EndpointPrompt)p).ProtocolPrompt);
        }
    }

    /// <summary>Adds, replaces and removes the project's primitives of one kind; the host's are never touched.</summary>
    private void Apply<T, TOwned, TProtocol>(
        McpServerPrimitiveCollection<T> collection,
        ProjectSnapshot snapshot,
        EndpointKind kind,
        Func<PreparedEndpoint, TOwned> create,
        Func<TOwned, TProtocol> protocol)
        where T : class, IMcpServerPrimitive
        where TOwned : T
    {
        var desired = new Dictionary<string, TOwned>(StringComparer.Ordinal);
        foreach (var endpoint in snapshot.Endpoints.Where(e => e.Definition.Kind == kind && !_availability.IsDisabled(e.Key)))
        {
            var primitive = create(endpoint);
            desired[primitive.Id] = primitive;
        }

        using (collection.DeferChangedEvents())
        {
            foreach (var existing in collection.ToArray().OfType<TOwned>())
            {
                if (desired.TryGetValue(existing.Id, out var replacement) && Signature(protocol(existing)) == Signature(protocol(replacement)))
                {
                    desired.Remove(existing.Id);
                }
                else
                {
                    collection.Remove(existing);
                }
            }

            foreach (var primitive in desired.Values)
            {
                if (!collection.TryAdd(primitive) && collection.TryGetPrimitive(primitive.Id, out var host))
                {
                    // Validation refuses such a project; a host primitive added after it was validated keeps its name.
                    LogHostPrimitiveKept(_logger, kind.ToString().ToLowerInvariant(), primitive.Id, Describe(host));
                }
            }
        }
    }

    private TCollection Adopt<T, TCollection>(TCollection? configured, TCollection shared, string kind)
        where T : IMcpServerPrimitive
        where TCollection : McpServerPrimitiveCollection<T>
    {
        if (configured is null || ReferenceEquals(configured, shared))
        {
            return shared;
        }

        foreach (var primitive in configured)
        {
            if (!shared.TryGetPrimitive(primitive.Id, out var existing))
            {
                shared.TryAdd(primitive);
            }
            else if (existing is EndpointTool or EndpointResource or EndpointPrompt)
            {
                lock (_reportedHostClashes)
                {
                    if (_reportedHostClashes.Add($"{kind}/{primitive.Id}"))
                    {
                        LogProjectPrimitiveKept(_logger, kind, primitive.Id, Describe(primitive));
                    }
                }
            }
        }

        return shared;
    }

    private static IEnumerable<(EndpointDefinition Definition, string Source)> Candidates(ProjectSnapshot candidate)
    {
        if (candidate.Executors.Count == 0)
        {
            // A discovery-only snapshot: the endpoint files.
            return candidate.Files.Where(f => f.IsValid && f.Definition is not null).Select(f => (f.Definition!, f.DisplayPath));
        }

        var files = candidate.Files.Where(f => f.Definition is not null).GroupBy(f => f.Definition!.Key).ToDictionary(g => g.Key, g => g.First().DisplayPath, StringComparer.Ordinal);
        return candidate.Endpoints.Select(e => (e.Definition, e.Definition.IsBuiltIn ? "built-in" : files.GetValueOrDefault(e.Key, e.Definition.Name)));
    }

    private static string Describe(IMcpServerPrimitive primitive) =>
        $"'{primitive.Id}' ({(primitive.Metadata.OfType<MethodInfo>().FirstOrDefault() is { } method ? $"{method.DeclaringType?.Name}.{method.Name}" : primitive.GetType().Name)})";

    private static string Signature<TProtocol>(TProtocol value) =>
        JsonSerializer.Serialize(value, McpJsonUtilities.DefaultOptions.GetTypeInfo<TProtocol>());

    public void Dispose() => _availability.Changed -= OnAvailabilityChanged;

    [LoggerMessage(Level = LogLevel.Error, Message = "The host's MCP {Kind} '{Id}' ({Host}) keeps its name: the project's endpoint of that name is not served")]
    private static partial void LogHostPrimitiveKept(ILogger logger, string kind, string id, string host);

    [LoggerMessage(Level = LogLevel.Error, Message = "The host's MCP {Kind} '{Id}' ({Host}) is not served: the project already serves an endpoint of that name")]
    private static partial void LogProjectPrimitiveKept(ILogger logger, string kind, string id, string host);
}
