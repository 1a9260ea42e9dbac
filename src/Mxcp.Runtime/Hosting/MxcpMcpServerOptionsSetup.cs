using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Runtime.Mcp;

namespace Mxcp.Runtime.Hosting;

/// <summary>
/// Adds the project to the SDK's server options after the host's own configuration: the shared primitive collections
/// (the host's primitives plus the project's endpoints, see <see cref="McpPrimitiveSynchronizer"/>), completions and
/// resource subscriptions for the project's endpoints (a host's own handlers still answer for everything else), the
/// checks of client mistakes (<see cref="McpRequestChecks"/>), the swap of large tool results for the JSON Mxcp wrote
/// (<see cref="DeferredToolResults"/>), and the server's name when the host did not set one.
/// Runs whenever the SDK builds server options, which in stateless mode is once per request, so it only assigns and
/// chains.
/// </summary>
internal sealed class MxcpMcpServerOptionsSetup(
    McpPrimitiveSynchronizer primitives, EndpointCompletions completions, ResourceSubscriptions subscriptions, McpRequestChecks checks)
    : IPostConfigureOptions<McpServerOptions>
{
    // The delegates are made once: options are built per request in stateless mode.
    private readonly McpMessageFilter _checks = checks.Filter;
    private readonly McpRequestHandler<CompleteRequestParams, CompleteResult> _complete = completions.CompleteAsync;
    private readonly McpRequestHandler<SubscribeRequestParams, EmptyResult> _subscribe = subscriptions.SubscribeAsync;
    private readonly McpRequestHandler<UnsubscribeRequestParams, EmptyResult> _unsubscribe = subscriptions.UnsubscribeAsync;

    /// <summary>The incoming message filter this adds (<see cref="McpRequestChecks"/>).</summary>
    public McpMessageFilter RequestChecks => _checks;

    public void PostConfigure(string? name, McpServerOptions options)
    {
        if (name != Options.DefaultName)
        {
            return;
        }

        options.ServerInfo ??= new Implementation { Name = "mxcp", Title = "Mxcp for .NET", Version = MxcpVersion.Value };
        primitives.Attach(options);
        options.Filters.Message.IncomingFilters.Add(_checks);
        options.Filters.Message.OutgoingFilters.Add(DeferredToolResults.Filter);

        var handlers = options.Handlers;
        handlers.CompleteHandler = handlers.CompleteHandler is { } hostComplete
            ? (request, ct) => completions.Handles(request.Params) ? completions.CompleteAsync(request, ct) : hostComplete(request, ct)
            : _complete;
        handlers.SubscribeToResourcesHandler = handlers.SubscribeToResourcesHandler is { } hostSubscribe
            ? async (request, ct) =>
            {
                await subscriptions.SubscribeAsync(request, ct).ConfigureAwait(false);
                return await hostSubscribe(request, ct).ConfigureAwait(false);
            }
            : _subscribe;
        handlers.UnsubscribeFromResourcesHandler = handlers.UnsubscribeFromResourcesHandler is { } hostUnsubscribe
            ? async (request, ct) =>
            {
                await subscriptions.UnsubscribeAsync(request, ct).ConfigureAwait(false);
                return await hostUnsubscribe(request, ct).ConfigureAwait(false);
            }
            : _unsubscribe;
        options.Capabilities ??= new ServerCapabilities();
        options.Capabilities.Resources ??= new ResourcesCapability();
        options.Capabilities.Resources.Subscribe = true;
    }
}
