using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Runtime.Mcp;

namespace Mxcp.Runtime.Hosting;

/// <summary>Points the SDK's server options at the shared primitive collections, so every session sees the same, live endpoints.</summary>
internal sealed class MxcpMcpServerOptionsSetup(McpPrimitiveSynchronizer primitives, EndpointCompletions completions, ResourceSubscriptions subscriptions)
    : IConfigureOptions<McpServerOptions>
{
    public void Configure(McpServerOptions options)
    {
        options.ServerInfo ??= new Implementation { Name = "mxcp", Title = "Mxcp for .NET", Version = MxcpServiceCollectionExtensions.Version };
        options.ToolCollection = primitives.Tools;
        options.ResourceCollection = primitives.Resources;
        options.PromptCollection = primitives.Prompts;
        options.Handlers.CompleteHandler ??= completions.CompleteAsync;
        options.Handlers.SubscribeToResourcesHandler ??= subscriptions.SubscribeAsync;
        options.Handlers.UnsubscribeFromResourcesHandler ??= subscriptions.UnsubscribeAsync;
        options.Capabilities ??= new ServerCapabilities();
        options.Capabilities.Resources ??= new ResourcesCapability();
        options.Capabilities.Resources.Subscribe = true;
    }
}
