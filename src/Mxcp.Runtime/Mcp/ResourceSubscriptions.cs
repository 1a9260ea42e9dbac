using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Reload;

namespace Mxcp.Runtime.Mcp;

/// <summary>
/// <c>resources/subscribe</c> and <c>unsubscribe</c> per session. After a reload, subscribers get
/// <c>notifications/resources/updated</c> for each subscribed URI whose resource changed (its file, its source or its
/// advertised metadata), and for every subscribed URI after a reload that replaced the data (a payload reload).
/// </summary>
internal sealed partial class ResourceSubscriptions : IProjectSnapshotListener
{
    private readonly Dictionary<McpServer, HashSet<string>> _subscriptions = [];
    private readonly Lock _gate = new();
    private readonly ProjectSnapshotProvider _snapshots;
    private readonly ILogger<ResourceSubscriptions> _logger;
    private Dictionary<string, string> _signatures = new(StringComparer.Ordinal);

    public ResourceSubscriptions(ProjectSnapshotProvider snapshots, ILogger<ResourceSubscriptions> logger)
    {
        _snapshots = snapshots;
        _logger = logger;
    }

    public ValueTask<EmptyResult> SubscribeAsync(RequestContext<SubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        if (request.Params?.Uri is { } uri && request.Server.SessionId is not null)
        {
            lock (_gate)
            {
                if (!_subscriptions.TryGetValue(request.Server, out var uris))
                {
                    _subscriptions[request.Server] = uris = new HashSet<string>(StringComparer.Ordinal);
                }

                uris.Add(uri);
            }
        }

        return ValueTask.FromResult(new EmptyResult());
    }

    public ValueTask<EmptyResult> UnsubscribeAsync(RequestContext<UnsubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        if (request.Params?.Uri is { } uri)
        {
            lock (_gate)
            {
                if (_subscriptions.TryGetValue(request.Server, out var uris) && uris.Remove(uri) && uris.Count == 0)
                {
                    _subscriptions.Remove(request.Server);
                }
            }
        }

        return ValueTask.FromResult(new EmptyResult());
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped the subscriptions of a closed session (while notifying {Uri})")]
    private static partial void LogDroppedSubscriber(ILogger logger, string uri);
}
