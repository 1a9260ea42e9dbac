using System.Diagnostics;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Plugins.Upstream.Caching;
using Mxcp.Plugins.Upstream.Configuration;
using Mxcp.Plugins.Upstream.Supervision;

namespace Mxcp.Plugins.Upstream;

/// <summary>
/// Starts the upstreams of the project's <c>upstreams</c> section (for every served project, whether or not it has
/// one) and gives each snapshot an executor serving their tools.
/// </summary>
internal sealed class UpstreamExecutorProvider(UpstreamHub hub, IPolicyReader? policyReader = null) : IEndpointExecutorProvider
{
    public const string LanguageName = "upstream";

    public string Language => LanguageName;

    /// <summary>After the language executors: nothing depends on upstreams.</summary>
    public int Order => 200;

    public bool StartsWithoutEndpointFiles => true;

    public async ValueTask<IEndpointExecutor> CreateAsync(ProjectRuntimeContext context, CancellationToken cancellationToken)
    {
        var settings = UpstreamSettingsReader.FromSiteConfig(context.SiteConfig, context.ProjectRoot, policyReader);
        await hub.ApplyAsync(settings, context.ProjectRoot, cancellationToken, context.ResultLimits).ConfigureAwait(false);
        return new UpstreamExecutor(hub, context.ResultLimits);
    }
}

/// <summary>
/// Serves the upstreams' tools, prompts and resources to one snapshot and forwards calls to them, the subscriptions of
/// their resources and the completion requests of their prompts and resource templates.
/// </summary>
internal sealed class UpstreamExecutor : IEndpointExecutor, IResourceSubscriptionSource, IEndpointCompleter
{
    private readonly UpstreamHub _hub;
    private readonly ResultLimits _limits;
    private EventHandler? _changed;

    public UpstreamExecutor(UpstreamHub hub, ResultLimits? limits = null)
    {
        _hub = hub;
        _limits = limits ?? ResultLimits.Default;
        _hub.Changed += OnChanged;
    }

    public string Language => UpstreamExecutorProvider.LanguageName;

    public IReadOnlyList<EndpointDefinition> BuiltInEndpoints =>
        [.. _hub.Served.Values.Concat(_hub.ServedEntries.Values).Select(s => s.Endpoint).OrderBy(e => e.Key, StringComparer.Ordinal)];

    public event EventHandler? BuiltInEndpointsChanged
    {
        add => _changed += value;
        remove => _changed -= value;
    }

    private void OnChanged() => _changed?.Invoke(this, EventArgs.Empty);

    public ValueTask<IReadOnlyList<string>> ValidateAsync(EndpointDefinition endpoint, string? sourceText, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<string>>(endpoint.IsBuiltIn ? [] : ["upstream tools are declared in mxcp-site.yml under 'upstreams', not in endpoint files"]);

    public ValueTask<JsonNode?> ExecuteAsync(EndpointInvocation invocation, CancellationToken cancellationToken) =>
        invocation.Endpoint.Kind == EndpointKind.Tool ? CallToolAsync(invocation, cancellationToken) : ForwardAsync(invocation, cancellationToken);

    private async ValueTask<JsonNode?> CallToolAsync(EndpointInvocation invocation, CancellationToken cancellationToken)
    {
        // A tool withdrawn since the snapshot was taken (quarantined, excluded, gone from the upstream) is not called.
        if (!_hub.Served.TryGetValue(invocation.Endpoint.Name, out var served))
        {
            throw new InvalidOperationException($"the tool '{invocation.Endpoint.Name}' is no longer served by its upstream (removed, or its changed definition waits for approval)");
        }

        var tool = served.Endpoint.Metadata!.Value.GetProperty("upstream_tool").GetString()!;
        var started = Stopwatch.GetTimestamp();
        var record = new JsonObject
        {
            ["type"] = "upstream",
            ["upstream"] = served.UpstreamName,
            ["tool"] = tool,
            ["transport"] = served.Connection.Settings.Transport,
        };

        var caller = new UpstreamCaller(invocation.Context, record);

        // Only tools the upstream marks read-only are cached; the key includes the caller.
        var cache = served.Connection.Settings.Cache is { } settings && served.Endpoint.Annotations?.ReadOnlyHint == true ? settings : null;
        var key = cache is null ? null : ResponseCache.Key(tool, invocation.Arguments, invocation.Context.User);
        try
        {
            if (key is not null)
            {
                if (_hub.Cache.TryGet(served.UpstreamName, key, out var hit))
                {
                    record["cache"] = "hit";
                    record["status"] = StatusOf(hit!);
                    return hit;
                }

                record["cache"] = "miss";
            }

            var result = await served.Connection.CallToolAsync(tool, invocation.Arguments, caller, _limits, cancellationToken).ConfigureAwait(false);
            record["status"] = StatusOf(result);
            if (key is not null && record["status"]!.GetValue<string>() == "success")
            {
                _hub.Cache.Set(served.UpstreamName, cache!, key, result);
            }

            return result;
        }
        catch (Exception e)
        {
            Failed(record, e, cancellationToken);
            throw;
        }
        finally
        {
            caller.Close();
            record["duration_ms"] = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 3);
            invocation.Context.AddExecutionEvent(record);
        }
    }

    /// <summary>Forwards <c>prompts/get</c> and <c>resources/read</c> to the upstream serving the prompt or resource.</summary>
    private async ValueTask<JsonNode?> ForwardAsync(EndpointInvocation invocation, CancellationToken cancellationToken)
    {
        var endpoint = invocation.Endpoint;
        if (!_hub.ServedEntries.TryGetValue(endpoint.Key, out var served))
        {
            var what = endpoint.Kind == EndpointKind.Prompt ? $"prompt '{endpoint.Name}'" : $"resource '{endpoint.Uri}'";
            throw new InvalidOperationException($"the {what} is no longer served by its upstream (removed, or its changed definition waits for approval)");
        }

        var started = Stopwatch.GetTimestamp();
        var record = new JsonObject
        {
            ["type"] = "upstream",
            ["upstream"] = served.UpstreamName,
            ["transport"] = served.Connection.Settings.Transport,
        };
        var caller = new UpstreamCaller(invocation.Context, record);
        try
        {
            JsonNode result;
            if (endpoint.Kind == EndpointKind.Prompt)
            {
                var prompt = served.Endpoint.Metadata!.Value.GetProperty("upstream_prompt").GetString()!;
                record["prompt"] = prompt;
                // Optional arguments the client left out are not sent.
                var arguments = invocation.Arguments.Where(a => a.Value is not null).ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
                result = await served.Connection.GetPromptAsync(prompt, arguments, caller, _limits, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var uri = invocation.Uri ?? endpoint.Uri!;
                record["resource"] = uri;
                result = await served.Connection.ReadResourceAsync(uri, caller, _limits, cancellationToken).ConfigureAwait(false);
            }

            record["status"] = "success";
            return result;
        }
        catch (Exception e)
        {
            Failed(record, e, cancellationToken);
            throw;
        }
        finally
        {
            caller.Close();
            record["duration_ms"] = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 3);
            invocation.Context.AddExecutionEvent(record);
        }
    }

    public async ValueTask<IAsyncDisposable?> SubscribeAsync(EndpointDefinition endpoint, string uri, Func<string, ValueTask> updated, CancellationToken cancellationToken)
    {
        if (!_hub.ServedEntries.TryGetValue(endpoint.Key, out var served) || endpoint.Kind != EndpointKind.Resource)
        {
            throw new InvalidOperationException("it is no longer served by its upstream");
        }

        return await served.Connection.SubscribeAsync(uri, updated, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Forwards <c>completion/complete</c> for a prompt (by the upstream's own name) or a resource template (by its URI
    /// template) to the upstream serving it; no values when the upstream does not declare the <c>completions</c> capability.
    /// </summary>
    public async ValueTask<EndpointCompletion> CompleteAsync(EndpointDefinition endpoint, string argument, string value, IReadOnlyDictionary<string, string>? context, CancellationToken cancellationToken)
    {
        if (!_hub.ServedEntries.TryGetValue(endpoint.Key, out var served))
        {
            return EndpointCompletion.None;
        }

        var prompt = endpoint.Kind == EndpointKind.Prompt;
        var target = served.Endpoint.Metadata!.Value.GetProperty(prompt ? "upstream_prompt" : "upstream_uri").GetString()!;
        return await served.Connection.CompleteAsync(prompt, target, argument, value, context, _limits, cancellationToken).ConfigureAwait(false);
    }

    private static void Failed(JsonObject record, Exception e, CancellationToken cancellationToken)
    {
        if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            record["status"] = "cancelled";
            return;
        }

        record["status"] = e is ResultTooLargeException ? "too_large" : "error";
        record["error"] = e.Message;
    }

    private static string StatusOf(JsonNode result) =>
        result["isError"] is JsonValue v && v.TryGetValue<bool>(out var isError) && isError ? "tool_error" : "success";

    public ValueTask DisposeAsync()
    {
        _hub.Changed -= OnChanged;
        return ValueTask.CompletedTask;
    }
}
