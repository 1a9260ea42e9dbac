using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Abstractions;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Mcp.Sessions;
using Mxcp.Runtime.Reload;

namespace Mxcp.Runtime.Mcp;

/// <summary>
/// <c>resources/subscribe</c> and <c>unsubscribe</c> per session. After a reload, subscribers get
/// <c>notifications/resources/updated</c> for each subscribed URI whose resource changed (its file, its source or its
/// advertised metadata), and for every subscribed URI after a reload that replaced the data (a payload reload).
/// A resource whose executor subscribes it at its source (<see cref="IResourceSubscriptionSource"/>: an upstream MCP
/// server's resource) is subscribed there too, once per session and URI, and its updates reach the session; the
/// unsubscribe or the end of the session releases it.
/// </summary>
internal sealed partial class ResourceSubscriptions : IProjectSnapshotListener, IMcpSessionListener
{
    private readonly Dictionary<McpServer, HashSet<string>> _subscriptions = [];
    private readonly Dictionary<(string Session, string Uri), IAsyncDisposable> _atSource = [];
    private readonly Lock _gate = new();
    private readonly ProjectSnapshotProvider _snapshots;
    private readonly ILogger<ResourceSubscriptions> _logger;
    private Dictionary<string, string> _signatures = new(StringComparer.Ordinal);

    public ResourceSubscriptions(ProjectSnapshotProvider snapshots, ILogger<ResourceSubscriptions> logger)
    {
        _snapshots = snapshots;
        _logger = logger;
    }

    public async ValueTask<EmptyResult> SubscribeAsync(RequestContext<SubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        if (request.Params?.Uri is { } uri && request.Server.SessionId is { } session)
        {
            await SubscribeAtSourceAsync(request.Server, session, uri, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                if (!_subscriptions.TryGetValue(request.Server, out var uris))
                {
                    _subscriptions[request.Server] = uris = new HashSet<string>(StringComparer.Ordinal);
                }

                uris.Add(uri);
            }
        }

        return new EmptyResult();
    }

    public async ValueTask<EmptyResult> UnsubscribeAsync(RequestContext<UnsubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        if (request.Params?.Uri is { } uri)
        {
            IAsyncDisposable? atSource = null;
            lock (_gate)
            {
                if (_subscriptions.TryGetValue(request.Server, out var uris) && uris.Remove(uri) && uris.Count == 0)
                {
                    _subscriptions.Remove(request.Server);
                }

                if (request.Server.SessionId is { } session && _atSource.Remove((session, uri), out var found))
                {
                    atSource = found;
                }
            }

            await ReleaseAsync(atSource, uri).ConfigureAwait(false);
        }

        return new EmptyResult();
    }

    /// <summary>
    /// Subscribes the session at the resource's source when its executor has one; a source that cannot be subscribed
    /// answers the client's request with an error saying why.
    /// </summary>
    private async Task SubscribeAtSourceAsync(McpServer server, string session, string uri, CancellationToken cancellationToken)
    {
        if (_snapshots.Current?.FindResource(uri) is not { Error: null, Endpoint: { Executor: IResourceSubscriptionSource source } endpoint })
        {
            return;
        }

        lock (_gate)
        {
            if (_atSource.ContainsKey((session, uri)))
            {
                return;
            }
        }

        IAsyncDisposable? subscription;
        try
        {
            subscription = await source.SubscribeAsync(endpoint.Definition, uri, updated => SendUpdatedAsync(server, updated), cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            throw new McpProtocolException($"The resource '{uri}' cannot be subscribed: {e.Message}", McpErrorCode.InvalidParams);
        }

        if (subscription is null)
        {
            return;
        }

        bool kept;
        lock (_gate)
        {
            kept = _atSource.TryAdd((session, uri), subscription);
        }

        if (!kept)
        {
            await ReleaseAsync(subscription, uri).ConfigureAwait(false);
        }
    }

    private async ValueTask SendUpdatedAsync(McpServer server, string uri)
    {
        try
        {
            await server.SendNotificationAsync(NotificationMethods.ResourceUpdatedNotification, new ResourceUpdatedNotificationParams { Uri = uri }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or IOException)
        {
            // The session has gone; its end releases the subscription.
            LogDroppedSubscriber(_logger, uri);
        }
    }

    private async Task ReleaseAsync(IAsyncDisposable? subscription, string uri)
    {
        if (subscription is null)
        {
            return;
        }

        try
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogReleaseFailed(_logger, uri, e.Message);
        }
    }

    public void OnSessionOpened(RegisteredSession session)
    {
    }

    /// <summary>Forgets the session's subscriptions and releases those at a source.</summary>
    public void OnSessionClosed(RegisteredSession session)
    {
        List<(string Uri, IAsyncDisposable Subscription)> released;
        lock (_gate)
        {
            _subscriptions.Remove(session.Server);
            released = [.. _atSource.Where(s => s.Key.Session == session.Id).Select(s => (s.Key.Uri, s.Value))];
            foreach (var (uri, _) in released)
            {
                _atSource.Remove((session.Id, uri));
            }
        }

        foreach (var (uri, subscription) in released)
        {
            _ = ReleaseAsync(subscription, uri);
        }
    }

    public void OnSnapshotChanged(ProjectSnapshot snapshot)
    {
        var signatures = snapshot.Endpoints
            .Where(e => e.UriMatcher is not null)
            .ToDictionary(e => e.Definition.Uri!, Signature, StringComparer.Ordinal);
        var previous = Interlocked.Exchange(ref _signatures, signatures);
        var dataReplaced = _snapshots.LastReloadDrained;

        List<(McpServer Server, string Uri)> updates = [];
        lock (_gate)
        {
            foreach (var (server, uris) in _subscriptions)
            {
                foreach (var uri in uris)
                {
                    var current = snapshot.FindResource(uri) is { Error: null } match ? match.Endpoint : null;
                    var before = previous.GetValueOrDefault(current?.Definition.Uri ?? uri);
                    var now = current is null ? null : signatures.GetValueOrDefault(current.Definition.Uri!);
                    if (dataReplaced || before != now)
                    {
                        updates.Add((server, uri));
                    }
                }
            }
        }

        foreach (var (server, uri) in updates)
        {
            _ = NotifyAsync(server, uri);
        }
    }

    private async Task NotifyAsync(McpServer server, string uri)
    {
        try
        {
            await server.SendNotificationAsync(NotificationMethods.ResourceUpdatedNotification, new ResourceUpdatedNotificationParams { Uri = uri }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException or IOException)
        {
            // The session has gone: forget its subscriptions.
            lock (_gate)
            {
                _subscriptions.Remove(server);
            }

            LogDroppedSubscriber(_logger, uri);
        }
    }

    private static string Signature(PreparedEndpoint endpoint) =>
        string.Join('\u001f', endpoint.Definition.FilePath, endpoint.SourceText, endpoint.Definition.Description, endpoint.Definition.MimeType,
            endpoint.Definition.FilePath.Length > 0 && File.Exists(endpoint.Definition.FilePath) ? File.GetLastWriteTimeUtc(endpoint.Definition.FilePath).Ticks : 0);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Releasing the subscription of {Uri} at its source failed: {Error}")]
    private static partial void LogReleaseFailed(ILogger logger, string uri, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped the subscriptions of a closed session (while notifying {Uri})")]
    private static partial void LogDroppedSubscriber(ILogger logger, string uri);
}
