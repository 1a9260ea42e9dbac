using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Runtime.Endpoints;

namespace Mxcp.Runtime.Mcp;

/// <summary>An MXCP tool as an MCP tool. The definition fixes what is advertised; calls run on the current snapshot.</summary>
internal sealed class EndpointTool(PreparedEndpoint endpoint, EndpointInvoker invoker) : McpServerTool
{
    public override Tool ProtocolTool { get; } = new()
    {
        Name = endpoint.Definition.Name,
        Title = endpoint.Definition.Annotations?.Title,
        Description = endpoint.Definition.Description,
        InputSchema = endpoint.InputSchema,
        OutputSchema = endpoint.OutputSchema,
        Annotations = EndpointInvoker.Annotations(endpoint.Definition.Annotations),
    };

    public override IReadOnlyList<object> Metadata { get; } = [endpoint.Definition];

    public PreparedEndpoint Endpoint => endpoint;

    public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default) =>
        invoker.InvokeAsync(
            request,
            snapshot => snapshot.FindTool(request.Params!.Name) is { } e ? (e, EndpointInvoker.Arguments(request.Params.Arguments)) : null,
            $"Unknown tool: '{request.Params?.Name}'",
            static (request, e, result) => McpResultMapper.ToToolResult(e, result, request),
            cancellationToken,
            writesResultOnly: true);
}
