using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;

namespace Mxcp.AspNetCore.Http;

/// <summary>Adds the HTTP transport's message filter (<see cref="McpRequestCancellation"/>) to the SDK's server options.</summary>
internal sealed class MxcpHttpServerOptionsSetup(McpRequestCancellation cancellation) : IPostConfigureOptions<McpServerOptions>
{
    // Made once: options are built per request in stateless mode.
    private readonly McpMessageFilter _filter = cancellation.Filter;

    /// <summary>The incoming message filter this adds (<see cref="McpRequestCancellation"/>).</summary>
    public McpMessageFilter Cancellation => _filter;

    public void PostConfigure(string? name, McpServerOptions options)
    {
        if (name == Options.DefaultName)
        {
            options.Filters.Message.IncomingFilters.Add(_filter);
        }
    }
}
