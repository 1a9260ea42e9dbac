using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.Abstractions;
using Mxcp.Plugins.Upstream.Configuration;

namespace Mxcp.Plugins.Upstream.Supervision;

/// <summary>
/// A call of ours to the upstream (<c>tools/call</c>, <c>prompts/get</c>, <c>resources/read</c>): the client it is made
/// for, and the audit record of the call (<see langword="null"/> when there is none), which gets a
/// <c>client_requests</c> entry for each request of the upstream forwarded (or refused) on its behalf.
/// </summary>
internal sealed class UpstreamCaller(CallContext? context, JsonObject? record)
{
    private bool _closed;

    public IClientNotifier? Notifier => context?.Notifier;

    public IClientRequester? Requester => context?.Notifier as IClientRequester;

    public string Transport => context?.Transport ?? "none";

    public void Note(string method, string status, string? error)
    {
        if (record is null)
        {
            return;
        }

        var entry = new JsonObject { ["method"] = method, ["status"] = status };
        if (error is not null)
        {
            entry["error"] = error;
        }

        lock (record)
        {
            if (_closed)
            {
                return;
            }

            if (record["client_requests"] is not JsonArray list)
            {
                record["client_requests"] = list = [];
            }

            list.Add(entry);
        }
    }

    /// <summary>Ends the notes: the record is complete (and may be read by the audit) once the call has ended.</summary>
    public void Close()
    {
        if (record is not null)
        {
            lock (record)
            {
                _closed = true;
            }
        }
    }
}

/// <summary>
/// Forwards the requests an upstream sends to its client while serving a call (<c>sampling/createMessage</c>,
/// <c>elicitation/create</c>, <c>roots/list</c>) to the client of that call, through the Mxcp session the call came in on.
/// <para>
/// Which call a request belongs to: when the SDK handles it within the call (a multi round-trip request of the
/// 2026-07-28 revision), the call itself. Otherwise the JSON-RPC request names no call (over stdio nothing ties it to
/// one), so it is forwarded only when exactly one call to this upstream is in progress; with none, or several (the one
/// connection is shared by every client), it is refused rather than risk handing one caller's request to another
/// caller's client.
/// </para>
/// </summary>
internal sealed class ClientRequestRouter(string upstream, ILogger logger)
{
    private static readonly AsyncLocal<UpstreamCaller?> Current = new();

    private readonly ConcurrentDictionary<long, UpstreamCaller> _inFlight = new();
    private long _next;

    /// <summary>Marks <paramref name="caller"/> as in progress until the returned registration is disposed.</summary>
    public Registration Track(UpstreamCaller caller)
    {
        var id = Interlocked.Increment(ref _next);
        _inFlight[id] = caller;
        Current.Value = caller;
        return new Registration(this, id);
    }

    /// <summary>The handlers of the forwarded kinds; the SDK declares the matching client capabilities for them.</summary>
    public McpClientHandlers Handlers(UpstreamForwardSettings forward)
    {
        var options = McpJsonUtilities.DefaultOptions;
        var handlers = new McpClientHandlers();
#pragma warning disable MCP9005 // Sampling and roots are deprecated from the 2026-07-28 revision on; upstreams of earlier revisions still send them.
        if (forward.Sampling)
        {
            handlers.SamplingHandler = async (request, _, ct) => (await ForwardAsync(RequestMethods.SamplingCreateMessage,
                JsonSerializer.SerializeToElement(request, options.GetTypeInfo<CreateMessageRequestParams?>()), ct).ConfigureAwait(false))
                .Deserialize(options.GetTypeInfo<CreateMessageResult>())!;
        }

        if (forward.Roots)
        {
            handlers.RootsHandler = async (request, ct) => (await ForwardAsync(RequestMethods.RootsList,
                JsonSerializer.SerializeToElement(request, options.GetTypeInfo<ListRootsRequestParams?>()), ct).ConfigureAwait(false))
                .Deserialize(options.GetTypeInfo<ListRootsResult>())!;
        }
#pragma warning restore MCP9005

        if (forward.Elicitation)
        {
            handlers.ElicitationHandler = async (request, ct) => (await ForwardAsync(RequestMethods.ElicitationCreate,
                JsonSerializer.SerializeToElement(request, options.GetTypeInfo<ElicitRequestParams?>()), ct).ConfigureAwait(false))
                .Deserialize(options.GetTypeInfo<ElicitResult>())!;
        }

        return handlers;
    }

    /// <summary>
    /// The error answering a request of a kind <paramref name="forward"/> does not let through (its capability was not
    /// declared, but the upstream asked anyway); <see langword="null"/> for every other request.
    /// </summary>
    public JsonRpcError? RefuseUndeclared(JsonRpcRequest request, UpstreamForwardSettings forward)
    {
#pragma warning disable MCP9005 // See Handlers.
        var (kind, on) = request.Method switch
        {
            RequestMethods.SamplingCreateMessage => ("sampling", forward.Sampling),
            RequestMethods.ElicitationCreate => ("elicitation", forward.Elicitation),
            RequestMethods.RootsList => ("roots", forward.Roots),
            _ => ("", true),
        };
#pragma warning restore MCP9005
        if (on)
        {
            return null;
        }

        var refused = Refused(request.Method, $"forwarding {kind} requests is not enabled for upstream '{upstream}' (its 'forward' setting)");
        return new JsonRpcError { Id = request.Id, Error = new JsonRpcErrorDetail { Code = (int)refused.ErrorCode, Message = refused.Message } };
    }

    private async ValueTask<JsonElement> ForwardAsync(string method, JsonElement parameters, CancellationToken cancellationToken)
    {
        var caller = Current.Value ?? Sole(method);
        var requester = caller.Requester;
        var reason = requester is null ? $"the client of the call cannot be sent requests (it came over {caller.Transport})" : requester.WhyNot(method);
        if (reason is not null)
        {
            caller.Note(method, "refused", reason);
            throw Refused(method, reason);
        }

        Log.ClientRequestForwarded(logger, upstream, method);
        var reply = await requester!.RequestAsync(method, parameters, cancellationToken).ConfigureAwait(false);
        if (reply.Result is { } result)
        {
            caller.Note(method, "answered", null);
            return result;
        }

        caller.Note(method, "error", reply.ErrorMessage);
        throw new McpProtocolException($"the client answered with an error: {reply.ErrorMessage}", (McpErrorCode)reply.ErrorCode);
    }

    /// <summary>The one call in progress, which the request must be for; refused when there is none or several.</summary>
    private UpstreamCaller Sole(string method)
    {
        var calls = _inFlight.Values.Take(2).ToList();
        var reason = calls.Count switch
        {
            1 => null,
            0 => "no call of Mxcp to this upstream is in progress, so there is no client it could be for",
            _ => $"{_inFlight.Count} calls of Mxcp to this upstream are in progress and the request does not say which one it belongs to",
        };
        return reason is null ? calls[0] : throw Refused(method, reason);
    }

    private McpProtocolException Refused(string method, string reason)
    {
        Log.ClientRequestRefused(logger, upstream, method, reason);
        return new McpProtocolException($"Mxcp did not forward '{method}' to its client: {reason}", McpErrorCode.MethodNotFound);
    }

    /// <summary>The in-progress mark of one call.</summary>
    internal readonly struct Registration(ClientRequestRouter router, long id) : IDisposable
    {
        public void Dispose() => router._inFlight.TryRemove(id, out _);
    }
}
