using System.Text.Json;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Mxcp.Plugins.Upstream.Supervision;

/// <summary>
/// Our sessions' subscriptions to an upstream's resources: the upstream is subscribed once per URI, whoever many of our
/// sessions subscribed it, and unsubscribed when the last one lets go; a new connection subscribes every URI again. The
/// upstream's <c>notifications/resources/updated</c> reach each subscriber of the URI.
/// </summary>
internal sealed class UpstreamSubscriptions(string upstream, ILogger logger)
{
    private readonly string _upstream = upstream;
    private readonly ILogger _logger = logger;
    private readonly Dictionary<string, List<Subscriber>> _byUri = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Whether a connected upstream declared <c>resources.subscribe</c>.</summary>
    public static bool Supports(McpClient client) => client.ServerCapabilities.Resources?.Subscribe == true;

    /// <summary>
    /// Adds a subscriber of <paramref name="uri"/>; the first one subscribes the upstream (now when
    /// <paramref name="client"/> is connected, else on connecting).
    /// </summary>
    /// <exception cref="InvalidOperationException">The connected upstream does not support subscriptions.</exception>
    public async ValueTask<IAsyncDisposable> AddAsync(McpClient? client, string uri, Func<string, ValueTask> updated, Func<McpClient?> current, CancellationToken cancellationToken)
    {
        if (client is not null && !Supports(client))
        {
            throw new InvalidOperationException($"upstream '{_upstream}' does not support resource subscriptions (it does not declare resources.subscribe)");
        }

        var subscriber = new Subscriber(this, uri, updated, current);
        bool first;
        lock (_gate)
        {
            if (!_byUri.TryGetValue(uri, out var list))
            {
                _byUri[uri] = list = [];
            }

            list.Add(subscriber);
            first = list.Count == 1;
        }

        if (first && client is not null)
        {
            try
            {
                await client.SubscribeToResourceAsync(uri, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is McpException or IOException or InvalidOperationException or ObjectDisposedException)
            {
                Remove(subscriber);
                throw new InvalidOperationException($"upstream '{_upstream}' refused the subscription: {e.Message}", e);
            }
        }

        return subscriber;
    }

    /// <summary>Subscribes a new connection to every URI our sessions are subscribed to.</summary>
    public async Task ResubscribeAsync(McpClient client, CancellationToken cancellationToken)
    {
        string[] uris;
        lock (_gate)
        {
            uris = [.. _byUri.Keys];
        }

        if (uris.Length == 0 || !Supports(client))
        {
            return;
        }

        foreach (var uri in uris)
        {
            try
            {
                await client.SubscribeToResourceAsync(uri, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (McpException e)
            {
                Log.ResubscribeFailed(_logger, _upstream, uri, e.Message);
            }
        }
    }

    /// <summary>Hands the upstream's <c>notifications/resources/updated</c> to the subscribers of its URI.</summary>
    public void OnUpdated(JsonRpcNotification notification)
    {
        ResourceUpdatedNotificationParams? update;
        try
        {
            update = notification.Params.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<ResourceUpdatedNotificationParams>());
        }
        catch (JsonException)
        {
            return;
        }

        if (update?.Uri is not { } uri)
        {
            return;
        }

        Subscriber[] subscribers;
        lock (_gate)
        {
            subscribers = _byUri.TryGetValue(uri, out var list) ? [.. list] : [];
        }

        foreach (var subscriber in subscribers)
        {
            _ = subscriber.NotifyAsync();
        }
    }

    /// <summary>Removes a subscriber; <see langword="true"/> when it was the URI's last one.</summary>
    private bool Remove(Subscriber subscriber)
    {
        lock (_gate)
        {
            if (!_byUri.TryGetValue(subscriber.Uri, out var list) || !list.Remove(subscriber))
            {
                return false;
            }

            if (list.Count > 0)
            {
                return false;
            }

            _byUri.Remove(subscriber.Uri);
            return true;
        }
    }

    private sealed class Subscriber(UpstreamSubscriptions owner, string uri, Func<string, ValueTask> updated, Func<McpClient?> current) : IAsyncDisposable
    {
        public string Uri => uri;

        public async Task NotifyAsync()
        {
            try
            {
                await updated(uri).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // A session that went away misses the update; its end releases the subscription.
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (owner.Remove(this) && current() is { } client && Supports(client))
            {
                try
                {
                    await client.UnsubscribeFromResourceAsync(uri).ConfigureAwait(false);
                }
                catch (Exception e) when (e is McpException or IOException or InvalidOperationException or ObjectDisposedException)
                {
                    // The upstream keeps sending updates nobody receives until it reconnects; harmless.
                    Log.UnsubscribeFailed(owner._logger, owner._upstream, uri, e.Message);
                }
            }
        }
    }
}
