using System.Text.Json.Nodes;
using System.Threading.Channels;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Mcp.Sessions;
using Mxcp.Runtime.Reload;

namespace Mxcp.Admin.Monitoring;

/// <summary>
/// The server's events for <c>GET /events</c>: reloads, endpoint changes, calls and policy decisions, sessions. Each
/// subscriber has a bounded queue; a subscriber that cannot keep up loses its oldest events rather than slowing calls.
/// It hears calls, reloads and sessions as a call observer, a snapshot listener and a session listener of the services.
/// </summary>
internal sealed class AdminEventStream : IEndpointCallObserver, IProjectSnapshotListener, IMcpSessionListener, Abstractions.IAdminEventPublisher, IDisposable
{
    private readonly List<Channel<ServerEvent>> _subscribers = [];
    private readonly Lock _gate = new();
    private readonly ProjectSnapshotProvider _snapshots;
    private readonly EndpointAvailability _availability;

    public AdminEventStream(ProjectSnapshotProvider snapshots, EndpointAvailability availability)
    {
        _snapshots = snapshots;
        _availability = availability;
        availability.Changed += OnAvailabilityChanged;
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

    public void OnReloadStarting(string description) => Publish("reload.started", new JsonObject { ["description"] = description });

    public void OnReloadCompleted(ReloadStatus status, string? error) =>
        Publish("reload.completed", new JsonObject { ["status"] = AdminJson.Status(status), ["error"] = error });

    public void OnSnapshotChanged(ProjectSnapshot snapshot) => Publish("endpoints.changed", Counts(snapshot));

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

    public void OnSessionOpened(RegisteredSession session) => Publish("session.opened", SessionData(session));

    public void OnSessionClosed(RegisteredSession session) => Publish("session.closed", SessionData(session));

    private static JsonObject SessionData(RegisteredSession session) => new() { ["session_id"] = session.Id, ["transport"] = session.Transport };

    public void Dispose() => _availability.Changed -= OnAvailabilityChanged;
}

/// <summary>One Server-Sent Event: its name and its JSON data.</summary>
internal sealed record ServerEvent(string Name, string Data);
