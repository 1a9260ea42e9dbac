using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Abstractions;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Reload;

namespace Mxcp.Runtime.Mcp;

/// <summary>
/// Keeps the SDK's tool, resource and prompt collections equal to the current snapshot. Each reload is applied under
/// deferred change events, so clients get at most one <c>list_changed</c> per kind and reload, and only for kinds whose
/// advertised definitions actually changed.
/// </summary>
internal sealed class McpPrimitiveSynchronizer : IDisposable
{
    private readonly ProjectSnapshotProvider _snapshots;
    private readonly EndpointInvoker _invoker;
    private readonly EndpointAvailability _availability;
    private readonly Lock _gate = new();

    public McpPrimitiveSynchronizer(ProjectSnapshotProvider snapshots, EndpointInvoker invoker, EndpointAvailability availability)
    {
        _snapshots = snapshots;
        _invoker = invoker;
        _availability = availability;
        _snapshots.SnapshotChanged += Synchronize;
        _availability.Changed += OnAvailabilityChanged;
        if (_snapshots.Current is { } current)
        {
            Synchronize(current);
        }
    }

    public McpServerPrimitiveCollection<McpServerTool> Tools { get; } = new();

    public McpServerResourceCollection Resources { get; } = new();

    public McpServerPrimitiveCollection<McpServerPrompt> Prompts { get; } = new();

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
            Apply(Tools, snapshot, EndpointKind.Tool, e => new EndpointTool(e, _invoker), t => ((EndpointTool)t).ProtocolTool, static p => p.ProtocolTool.Name);
            Apply(Resources, snapshot, EndpointKind.Resource, e => new EndpointResource(e, _invoker), r => ((EndpointResource)r).ProtocolResourceTemplate, static p => p.ProtocolResourceTemplate.UriTemplate);
            Apply(Prompts, snapshot, EndpointKind.Prompt, e => new EndpointPrompt(e, _invoker), p => ((EndpointPrompt)p).ProtocolPrompt, static p => p.ProtocolPrompt.Name);
        }
    }

    private void Apply<T, TProtocol>(
        McpServerPrimitiveCollection<T> collection,
        ProjectSnapshot snapshot,
        EndpointKind kind,
        Func<PreparedEndpoint, T> create,
        Func<T, TProtocol> protocol,
        Func<T, string> id)
        where T : class, IMcpServerPrimitive
    {
        var desired = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var endpoint in snapshot.Endpoints.Where(e => e.Definition.Kind == kind && !_availability.IsDisabled(e.Key)))
        {
            var primitive = create(endpoint);
            desired[id(primitive)] = primitive;
        }

        using (collection.DeferChangedEvents())
        {
            foreach (var existing in collection.ToArray())
            {
                if (!desired.TryGetValue(id(existing), out var replacement))
                {
                    collection.Remove(existing);
                }
                else if (Signature(protocol(existing)) == Signature(protocol(replacement)))
                {
                    desired.Remove(id(existing));
                }
                else
                {
                    collection.Remove(existing);
                }
            }

            foreach (var primitive in desired.Values)
            {
                collection.TryAdd(primitive);
            }
        }
    }

    private static string Signature<TProtocol>(TProtocol value) =>
        JsonSerializer.Serialize(value, McpJsonUtilities.DefaultOptions.GetTypeInfo<TProtocol>());

    public void Dispose()
    {
        _snapshots.SnapshotChanged -= Synchronize;
        _availability.Changed -= OnAvailabilityChanged;
    }
}
