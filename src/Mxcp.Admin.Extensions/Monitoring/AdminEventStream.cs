using System.Text.Json.Nodes;
using System.Threading.Channels;
using Mxcp.AspNetCore.Http;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Reload;

namespace Mxcp.Admin.Monitoring;

/// <summary>
/// The server's events for <c>GET /events</c>: reloads, endpoint changes, calls and policy decisions, sessions. Each
/// subscriber has a bounded queue; a subscriber that cannot keep up loses its oldest events rather than slowing calls.
/// </summary>
internal sealed class AdminEventStream : IEndpointCallObserver, IDisposable
{
    private readonly List<Channel<ServerEvent>> _subscribers = [];
    private readonly Lock _gate = new();
    private readonly ProjectSnapshotProvider _snapshots;
    private readonly EndpointAvailability _availability;
    private readonly HttpSessionRegistry _sessions;

    public AdminEventStream(ProjectSnapshotProvider snapshots, EndpointAvailability availability, HttpSessionRegistry sessions)
    {
        _snapshots = snapshots;
        _availability = availability;
        _sessions = sessions;
        snapshots.ReloadStarted += OnReloadStarted;
        snapshots.ReloadCompleted += OnReloadCompleted;
        snapshots.SnapshotChanged += OnSnapshotChanged;
        availability.Changed += OnAvailabilityChanged;
        sessions.SessionChanged += OnSessionChanged;
    }

    public ChannelReader<ServerEvent> Subscribe(CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<ServerEvent>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_gate)
        {
            _subscribers.Add(channel);
        }

        cancellationToken.Register(() =>
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }

            channel.Writer.TryComplete();
        });
        return channel.Reader;
    }

    public void Publish(string name, JsonObject data)
    {
        data["timestamp"] = DateTimeOffset.UtcNow.ToString("O");
        var serverEvent = new ServerEvent(name, data.ToJsonString());
        Channel<ServerEvent>[] subscribers;
        lock (_gate)
        {
            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            subscriber.Writer.TryWrite(serverEvent);
        }
    }

    public void OnCallStarted(EndpointCall call) => Publish("activity.tool_call.started", CallData(call));

    public void OnCallCompleted(EndpointCall call, EndpointCallResult result)
    {
        var data = CallData(call);
        data["status"] = result.Succeeded ? "success" : "error";
        data["duration_ms"] = Math.Round(result.Duration.TotalMilliseconds, 3);
        if (result.Policy.Decision is { } decision)
        {
            Publish("activity.policy_decision", new JsonObject
            {
                ["type"] = data["type"]!.DeepClone(),
                ["name"] = data["name"]!.DeepClone(),
                ["session_id"] = call.Context.SessionId,
                ["decision"] = decision,
                ["reason"] = result.Policy.Reason,
            });
        }

        Publish("activity.tool_call.completed", data);
    }

    private static JsonObject CallData(EndpointCall call) => new()
    {
        ["type"] = EndpointMetrics.Type(call),
        ["name"] = EndpointMetrics.Name(call),
        ["session_id"] = call.Context.SessionId,
        ["transport"] = call.Context.Transport,
    };

    private void OnReloadStarted(string description) => Publish("reload.started", new JsonObject { ["description"] = description });

    private void OnReloadCompleted(string status, string? error) => Publish("reload.completed", new JsonObject { ["status"] = status, ["error"] = error });

    private void OnSnapshotChanged(ProjectSnapshot snapshot) => Publish("endpoints.changed", Counts(snapshot));

    private void OnAvailabilityChanged()
    {
        if (_snapshots.Current is { } snapshot)
        {
            var data = Counts(snapshot);
            data["disabled"] = new JsonArray(_availability.Disabled.Order(StringComparer.Ordinal).Select(k => (JsonNode)JsonValue.Create(k)).ToArray());
            Publish("endpoints.changed", data);
        }
    }

    private static JsonObject Counts(ProjectSnapshot snapshot) => new()
    {
        ["tools"] = snapshot.Endpoints.Count(e => e.Definition.Kind == Abstractions.EndpointKind.Tool),
        ["resources"] = snapshot.Endpoints.Count(e => e.Definition.Kind == Abstractions.EndpointKind.Resource),
        ["prompts"] = snapshot.Endpoints.Count(e => e.Definition.Kind == Abstractions.EndpointKind.Prompt),
        ["skipped"] = snapshot.Problems.Count,
    };

    private void OnSessionChanged(HttpMcpSession session, bool opened) =>
        Publish(opened ? "session.opened" : "session.closed", new JsonObject { ["session_id"] = session.Id, ["transport"] = session.Transport });

    public void Dispose()
    {
        _snapshots.ReloadStarted -= OnReloadStarted;
        _snapshots.ReloadCompleted -= OnReloadCompleted;
        _snapshots.SnapshotChanged -= OnSnapshotChanged;
        _availability.Changed -= OnAvailabilityChanged;
        _sessions.SessionChanged -= OnSessionChanged;
    }
}

/// <summary>One Server-Sent Event: its name and its JSON data.</summary>
internal sealed record ServerEvent(string Name, string Data);
