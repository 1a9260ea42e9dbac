using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Abstractions;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Policies;
using Mxcp.Runtime.Reload;

namespace Mxcp.Runtime.Mcp;

/// <summary>What the MCP primitives share: lease the current snapshot, find the endpoint in it, run the pipeline.</summary>
internal sealed class EndpointInvoker(ProjectSnapshotProvider snapshots, EndpointPipeline pipeline, EndpointAvailability availability, ITransportRequestAccessor transportRequest)
{
    public async ValueTask<TResult> InvokeAsync<TParams, TResult>(
        RequestContext<TParams> request,
        Func<ProjectSnapshot, (PreparedEndpoint Endpoint, IReadOnlyDictionary<string, JsonElement>? Arguments)?> find,
        string notFound,
        Func<RequestContext<TParams>, PreparedEndpoint, EndpointCallResult, TResult> map,
        CancellationToken cancellationToken,
        string? resourceUri = null,
        bool writesResultOnly = false)
        where TParams : RequestParams
    {
        var (endpoint, result) = await RunAsync(
            find,
            notFound,
            static (request, transport) => McpCallContextFactory.Create(request, request.Params?.ProgressToken, transport),
            request,
            resourceUri,
            writesResultOnly,
            cancellationToken).ConfigureAwait(false);
        return map(request, endpoint, result);
    }

    /// <summary>
    /// Calls a tool for a request the transport answers itself, without the SDK's server: the same lease, lookup,
    /// errors (<see cref="McpProtocolException"/>) and pipeline as <see cref="InvokeAsync"/>, with a call context the
    /// transport made.
    /// </summary>
    public ValueTask<(PreparedEndpoint Endpoint, EndpointCallResult Result)> CallToolAsync(
        string name, IReadOnlyDictionary<string, JsonElement>? arguments, CallContext context, CancellationToken cancellationToken) =>
        RunAsync(
            snapshot => snapshot.FindTool(name) is { } e ? (e, arguments) : null,
            $"Unknown tool: '{name}'",
            static (context, _) => context,
            context,
            resourceUri: null,
            writesResultOnly: true,
            cancellationToken);

    private async ValueTask<(PreparedEndpoint Endpoint, EndpointCallResult Result)> RunAsync<TState>(
        Func<ProjectSnapshot, (PreparedEndpoint Endpoint, IReadOnlyDictionary<string, JsonElement>? Arguments)?> find,
        string notFound,
        Func<TState, ITransportRequestAccessor, CallContext> createContext,
        TState state,
        string? resourceUri,
        bool writesResultOnly,
        CancellationToken cancellationToken)
    {
        SnapshotLease lease;
        try
        {
            lease = await snapshots.AcquireAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ReloadInProgressException or InvalidOperationException)
        {
            throw new McpProtocolException(e.Message, McpErrorCode.InternalError);
        }

        using var _ = lease;
        var found = find(lease.Snapshot) is { } match && !availability.IsDisabled(match.Endpoint.Key)
            ? match
            : throw new McpProtocolException(notFound, McpErrorCode.InvalidParams);
        var context = createContext(state, transportRequest);
        if (context.User is { Capabilities.Count: 0 } user && lease.Snapshot.Config.ClaimMappings is { } mappings)
        {
            context = McpCallContextFactory.WithUser(context, McpCallContextFactory.WithCapabilities(user, CapabilityMapper.Derive(user.RawProfile, mappings)));
        }

        var call = new EndpointCall
        {
            Snapshot = lease.Snapshot,
            Endpoint = found.Endpoint,
            Arguments = found.Arguments,
            Context = context,
            ResourceUri = resourceUri,
            WritesResultOnly = writesResultOnly,
        };
        var result = await pipeline.InvokeAsync(call, cancellationToken).ConfigureAwait(false);
        return (found.Endpoint, result);
    }

    public static IReadOnlyDictionary<string, JsonElement>? Arguments(IDictionary<string, JsonElement>? arguments) =>
        arguments is null ? null : new Dictionary<string, JsonElement>(arguments, StringComparer.Ordinal);

    /// <summary>Only the annotation hints the endpoint file sets are sent (an unset hint is absent, not false).</summary>
    public static ToolAnnotations? Annotations(EndpointAnnotations? a) => a is null ? null : new ToolAnnotations
    {
        Title = a.Title,
        ReadOnlyHint = a.ReadOnlyHint,
        DestructiveHint = a.DestructiveHint,
        IdempotentHint = a.IdempotentHint,
        OpenWorldHint = a.OpenWorldHint,
    };
}
