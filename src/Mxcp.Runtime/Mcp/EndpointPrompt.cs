using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Runtime.Endpoints;

namespace Mxcp.Runtime.Mcp;

/// <summary>An MXCP prompt: its Jinja messages rendered with the validated arguments.</summary>
internal sealed class EndpointPrompt(PreparedEndpoint endpoint, EndpointInvoker invoker) : McpServerPrompt
{
    public override Prompt ProtocolPrompt { get; } = new()
    {
        Name = endpoint.Definition.Name,
        Description = endpoint.Definition.Description,
        Arguments = endpoint.Definition.Parameters
            .Select(p => new PromptArgument { Name = p.Name, Description = p.Schema.Description, Required = !p.Schema.HasDefault })
            .ToList(),
    };

    public override IReadOnlyList<object> Metadata { get; } = [endpoint.Definition];

    public PreparedEndpoint Endpoint => endpoint;

    public override ValueTask<GetPromptResult> GetAsync(RequestContext<GetPromptRequestParams> request, CancellationToken cancellationToken = default) =>
        invoker.InvokeAsync(
            request,
            snapshot => snapshot.FindPrompt(request.Params!.Name) is { } e ? (e, EndpointInvoker.Arguments(request.Params.Arguments)) : null,
            $"Unknown prompt: '{request.Params?.Name}'",
            static (_, e, result) => McpResultMapper.ToPromptResult(e, result),
            cancellationToken);
}
