namespace Mxcp.Abstractions;

/// <summary>
/// An endpoint executor whose resources change at their source and say so (an upstream MCP server's
/// <c>notifications/resources/updated</c>): the runtime subscribes a session's <c>resources/subscribe</c> there too.
/// </summary>
internal interface IResourceSubscriptionSource
{
    /// <summary>
    /// Subscribes to the resource at <paramref name="uri"/> (served as <paramref name="endpoint"/>) at its source;
    /// <paramref name="updated"/> is called with the URI at each update, until the returned subscription is disposed.
    /// <see langword="null"/> when the executor does not subscribe this resource at its source.
    /// </summary>
    /// <exception cref="InvalidOperationException">The source cannot be subscribed (the message says why).</exception>
    ValueTask<IAsyncDisposable?> SubscribeAsync(EndpointDefinition endpoint, string uri, Func<string, ValueTask> updated, CancellationToken cancellationToken);
}
