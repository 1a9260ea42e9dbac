using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Runtime.Endpoints;

namespace Mxcp.Runtime.Mcp;

/// <summary>An MXCP resource: a static resource, or a template when its URI has <c>{var}</c> segments.</summary>
internal sealed class EndpointResource(PreparedEndpoint endpoint, EndpointInvoker invoker) : McpServerResource
{
    public override ResourceTemplate ProtocolResourceTemplate { get; } = new()
    {
        UriTemplate = endpoint.Definition.Uri!,
        Name = endpoint.Definition.Name,
        Description = endpoint.Definition.Description,
        MimeType = endpoint.Definition.MimeType,
    };

    public override IReadOnlyList<object> Metadata { get; } = [endpoint.Definition];

    public PreparedEndpoint Endpoint => endpoint;

    // A URI of the template's shape whose values are refused still routes here, so that the client learns why.
    public override bool IsMatch(string uri) => endpoint.UriMatcher!.Match(uri, out var refused) is not null || refused is not null;

    public override ValueTask<ReadResourceResult> ReadAsync(RequestContext<ReadResourceRequestParams> request, CancellationToken cancellationToken = default)
    {
        var uri = request.Params!.Uri;
        return invoker.InvokeAsync(
            request,
            snapshot => snapshot.FindResource(uri) is { } found
                ? found.Error is { } error
                    ? throw new McpProtocolException(error, McpErrorCode.InvalidParams)
                    : (found.Endpoint, found.Variables.ToDictionary(v => v.Key, v => JsonSerializer.SerializeToElement(v.Value), StringComparer.Ordinal))
                : null,
            $"Resource not found: '{uri}'",
            (_, e, result) => McpResultMapper.ToResourceResult(e, uri, result),
            cancellationToken,
            uri);
    }
}
