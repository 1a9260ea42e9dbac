namespace Mxcp.Plugins.Upstream.Supervision;

/// <summary>
/// The HTTP handler of a Streamable HTTP upstream: reads each response through a <see cref="BoundedMessageStream"/>,
/// so an SSE event (<c>text/event-stream</c>) or any other body (<c>application/json</c>) larger than the upstream's
/// message limit fails its request instead of being read whole. (<see cref="HttpClient.MaxResponseContentBufferSize"/>
/// does not apply: the SDK reads responses as streams.)
/// </summary>
internal sealed class BoundedResponseHandler(string upstream, long maxBytes, Action<UpstreamMessageTooLargeException>? exceeded)
    : DelegatingHandler(new HttpClientHandler())
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var content = response.Content;
        var unit = content.Headers.ContentType?.MediaType == "text/event-stream" ? MessageUnit.Event : MessageUnit.Body;
        var bounded = new StreamContent(new BoundedMessageStream(await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), unit, maxBytes, upstream, exceeded));
        foreach (var header in content.Headers)
        {
            bounded.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        response.Content = bounded;
        return response;
    }
}
