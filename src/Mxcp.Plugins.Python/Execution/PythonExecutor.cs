using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Plugins.Python.Configuration;
using Mxcp.Plugins.Python.Protocol;
using Mxcp.Plugins.Python.Workers;

namespace Mxcp.Plugins.Python.Execution;

/// <summary>
/// The <c>python</c> executor of one project snapshot: checks endpoints in a worker when the snapshot is built, sends
/// each call to the least busy worker with its arguments and context, and answers the worker's callbacks during the
/// call: <c>db.execute</c> through the snapshot's <see cref="ISqlDatabase"/> with the call's <see cref="CallContext"/>,
/// <c>mcp.log</c>/<c>mcp.progress</c> through the call's <see cref="IClientNotifier"/>, and <c>reload_duckdb</c>
/// through the host's <see cref="IProjectReloader"/>.
/// </summary>
internal sealed class PythonExecutor : IEndpointExecutor, IWorkerCallbacks
{
    private readonly ProjectRuntimeContext _context;
    private readonly PythonSettings _settings;
    private readonly ILogger _logger;
    private readonly WorkerPool _pool;
    private readonly ConcurrentDictionary<long, ActiveCall> _calls = new();
    private readonly CancellationTokenSource _lifetime = new();
    private long _nextCall;
    private int _disposed;
    private volatile bool _databaseClosed;

    public PythonExecutor(ProjectRuntimeContext context, PythonSettings settings, string workerScript, ILogger logger)
    {
        _context = context;
        _settings = settings;
        _logger = logger;
        _pool = new WorkerPool(settings, settings.ResolveInterpreter(context.ProjectRoot), workerScript, context.ProjectRoot, WriteInitialize, this, logger);
    }

    public string Language => "python";

    public PythonSettings Settings => _settings;

    /// <summary>The worker processes serving now.</summary>
    internal IReadOnlyList<WorkerProcess> Workers => _pool.Current;

    public Task StartAsync(CancellationToken cancellationToken) => _pool.StartAsync(cancellationToken);

    public async ValueTask<IReadOnlyList<string>> ValidateAsync(EndpointDefinition endpoint, string? sourceText, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint.Kind == EndpointKind.Prompt)
        {
            return [];
        }

        if (endpoint.Source?.FullPath is not { } file)
        {
            return ["Python endpoints must specify source.file"];
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.StartupTimeout);
        try
        {
            var worker = await _pool.AcquireAsync(timeout.Token).ConfigureAwait(false);
            await worker.RequestAsync("validate", w =>
            {
                w.WriteString("file", file);
                WriteFunction(w, endpoint);
                w.WriteStartArray("parameters");
                foreach (var parameter in endpoint.Parameters)
                {
                    w.WriteStringValue(parameter.Name);
                }

                w.WriteEndArray();
            }, timeout.Token).ConfigureAwait(false);
            return [];
        }
        catch (PythonErrorException e)
        {
            return [e.Message];
        }
        catch (WorkerExitedException e)
        {
            return [$"{e.Message} while checking {endpoint.Source.File}"];
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return [string.Create(CultureInfo.InvariantCulture, $"checking {endpoint.Source.File} took longer than {_settings.StartupTimeout.TotalSeconds} s")];
        }
    }

    public async ValueTask<JsonNode?> ExecuteAsync(EndpointInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var endpoint = invocation.Endpoint;
        var file = endpoint.Source?.FullPath ?? throw new InvalidOperationException("Python endpoints must specify source.file");
        var callId = Interlocked.Increment(ref _nextCall);
        using var timeout = new CancellationTokenSource();
        if (_settings.CallTimeout is { } limit)
        {
            timeout.CancelAfter(limit);
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        _calls[callId] = new ActiveCall(endpoint.Key, invocation.Context, linked.Token);
        try
        {
            var worker = await _pool.AcquireAsync(linked.Token).ConfigureAwait(false);
            worker.CallStarted();
            try
            {
                return await worker.RequestAsync("invoke", w => WriteInvoke(w, callId, file, invocation), linked.Token).ConfigureAwait(false);
            }
            finally
            {
                worker.CallEnded();
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var seconds = _settings.CallTimeout!.Value.TotalSeconds;
            Log.CallTimedOut(_logger, endpoint.Key, seconds);
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                $"{Describe(endpoint)} timed out after {seconds} s and was cancelled (python.timeout)"));
        }
        catch (PythonErrorException e) when (e.Code == PythonErrorException.ExecutionError)
        {
            // The client sees the exception's message; the traceback stays in the server log.
            Log.CallFailed(_logger, endpoint.Key, e.PythonType ?? "an exception", e.Message, e.PythonTraceback ?? "");
            throw;
        }
        catch (WorkerExitedException e)
        {
            throw new WorkerExitedException($"{e.Message} while running this call; it is being restarted");
        }
        finally
        {
            _calls.TryRemove(callId, out _);
        }
    }

    public async Task<JsonNode?> HandleAsync(WorkerProcess worker, string method, JsonObject? parameters)
    {
        switch (method)
        {
            case "db.execute":
                return await ExecuteSqlAsync(parameters).ConfigureAwait(false);
            case "mcp.log":
                await LogToClientAsync(parameters).ConfigureAwait(false);
                return null;
            case "mcp.progress":
                await ProgressToClientAsync(parameters).ConfigureAwait(false);
                return null;
            case "reload":
                return QueueReload(worker, parameters);
            default:
                throw new InvalidOperationException($"unknown request '{method}' from the Python worker");
        }
    }

    private async Task<JsonNode?> ExecuteSqlAsync(JsonObject? parameters)
    {
        var call = FindCall(parameters);
        if (_databaseClosed)
        {
            throw new InvalidOperationException("No DuckDB runtime available: the database is closed while the project stops or reloads");
        }

        var database = _context.SqlDatabase ?? throw new InvalidOperationException("No DuckDB runtime available: no SQL plugin is loaded");
        var sql = parameters?["sql"] is JsonValue s && s.TryGetValue<string>(out var text) ? text : throw new ArgumentException("db.execute needs a SQL string");
        var values = WireValues.ReadParameters(parameters?["params"]);
        return await database.QueryAsync(sql, values, call?.Context, call?.Token ?? _lifetime.Token).ConfigureAwait(false);
    }

    private async Task LogToClientAsync(JsonObject? parameters)
    {
        var call = FindCall(parameters);
        var level = parameters?["level"]?.GetValue<string>() ?? "info";
        var message = parameters?["message"]?.GetValue<string>() ?? "";
        if (call?.Context.Notifier is { } notifier)
        {
            await notifier.LogAsync(level, message, call.Token).ConfigureAwait(false);
        }
        else
        {
            Log.ClientMessage(_logger, level, message);
        }
    }

    private async Task ProgressToClientAsync(JsonObject? parameters)
    {
        var call = FindCall(parameters);
        if (call?.Context.Notifier is not { } notifier)
        {
            return;
        }

        var progress = parameters?["progress"]?.GetValue<double>() ?? 0;
        var total = parameters?["total"] is JsonValue t ? t.GetValue<double>() : (double?)null;
        var message = parameters?["message"] is JsonValue m ? m.GetValue<string>() : null;
        await notifier.ProgressAsync(progress, total, message, call.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>reload_duckdb</c>: queues the reload and answers at once, because the reload drains the calls in flight, the
    /// asking call included. The payload is a Python function that stays in the asking worker process, which outlives
    /// this executor (after its <c>@on_shutdown</c> hooks ran) until the host runs the payload with the database closed.
    /// </summary>
    private JsonObject QueueReload(WorkerProcess worker, JsonObject? parameters)
    {
        var call = FindCall(parameters) ?? throw new InvalidOperationException("reload_duckdb can only be called while an endpoint call runs");
        if (call.Context.Transport.StartsWith("cli", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("reload_duckdb is only available while serving requests (mxcp serve), not from the command line");
        }

        var reloader = _context.Services.GetService(typeof(IProjectReloader)) as IProjectReloader
            ?? throw new InvalidOperationException("reload_duckdb is not available: the host has no project reloader");
        var description = parameters?["description"] is JsonValue d && d.TryGetValue<string>(out var text) && text.Length > 0
            ? text
            : $"reload_duckdb from {call.Endpoint}";
        var payloadId = parameters?["payload"] is JsonValue p && p.TryGetValue<string>(out var id) ? id : null;

        Func<CancellationToken, Task>? payload = null;
        var started = 0;
        if (payloadId is not null)
        {
            worker.RetainForPayload();
            payload = async ct =>
            {
                Interlocked.Exchange(ref started, 1);
                try
                {
                    await RunPayloadAsync(worker, payloadId, ct).ConfigureAwait(false);
                }
                finally
                {
                    worker.ReleasePayload();
                }
            };
        }

        Log.ReloadQueued(_logger, description, payload is not null);
        _ = Task.Run(async () =>
        {
            string outcome;
            try
            {
                outcome = await reloader.ReloadAsync(description, payload).ConfigureAwait(false) ? "success" : "failed (the previous state was kept; see the reload error)";
            }
            catch (Exception e)
            {
                outcome = "failed: " + e.Message;
            }
            finally
            {
                if (payload is not null && Interlocked.CompareExchange(ref started, 1, 0) == 0)
                {
                    worker.ReleasePayload();
                }
            }

            Log.ReloadFinished(_logger, description, outcome);
        });
        return new JsonObject { ["queued"] = true };
    }

    private static async Task RunPayloadAsync(WorkerProcess worker, string payloadId, CancellationToken cancellationToken)
    {
        if (worker.HasEnded)
        {
            throw new InvalidOperationException("the Python worker that queued the reload payload has stopped, so the payload did not run");
        }

        await worker.RequestAsync("run_payload", w => w.WriteString("payload", payloadId), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The call a callback belongs to; <see langword="null"/> for hooks (which have no call).</summary>
    private ActiveCall? FindCall(JsonObject? parameters)
    {
        if (parameters?["call"] is JsonValue value && value.TryGetValue<long>(out var id))
        {
            return _calls.TryGetValue(id, out var call)
                ? call
                : throw new InvalidOperationException("the call this request belongs to has already ended (cancelled or timed out)");
        }

        return null;
    }

    private void WriteInitialize(Utf8JsonWriter w)
    {
        w.WriteString("project_root", _context.ProjectRoot);
        w.WriteString("project", _context.ProjectName);
        w.WriteString("profile", _context.Profile);
        w.WriteNumber("threads", _settings.Threads);
        w.WritePropertyName("site_config");
        WriteElement(w, _context.SiteConfig);
        w.WritePropertyName("user_config");
        WriteElement(w, _context.UserConfig);
        w.WriteStartArray("secrets");
        foreach (var secret in _context.Secrets)
        {
            w.WriteStartObject();
            w.WriteString("name", secret.Name);
            w.WriteString("type", secret.Type);
            w.WritePropertyName("parameters");
            WriteElement(w, secret.Parameters);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WritePropertyName("plugin_config");
        var pluginConfig = PythonSettings.Get(PythonSettings.Get(PythonSettings.Get(PythonSettings.Get(PythonSettings.Get(PythonSettings.Get(
            _context.UserConfig, "projects"), _context.ProjectName), "profiles"), _context.Profile), "plugin"), "config");
        WriteElement(w, pluginConfig.ValueKind == JsonValueKind.Object ? pluginConfig : default);
    }

    private static void WriteElement(Utf8JsonWriter w, JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Undefined)
        {
            w.WriteNullValue();
        }
        else
        {
            element.WriteTo(w);
        }
    }

    private static void WriteFunction(Utf8JsonWriter w, EndpointDefinition endpoint)
    {
        if (endpoint.Kind == EndpointKind.Tool)
        {
            w.WriteString("function", endpoint.Name);
            w.WriteString("kind", "tool");
        }
        else
        {
            w.WriteNull("function");
            w.WriteString("kind", "resource");
        }
    }

    private static void WriteInvoke(Utf8JsonWriter w, long callId, string file, EndpointInvocation invocation)
    {
        w.WriteNumber("call", callId);
        w.WriteString("file", file);
        WriteFunction(w, invocation.Endpoint);
        w.WriteStartObject("arguments");
        foreach (var (name, value) in invocation.Arguments)
        {
            w.WritePropertyName(name);
            WireValues.Write(w, value);
        }

        w.WriteEndObject();

        var context = invocation.Context;
        w.WriteStartObject("context");
        w.WritePropertyName("user");
        if (context.User is { } user)
        {
            w.WriteStartObject();
            w.WriteString("provider", user.Provider);
            w.WriteString("user_id", user.UserId);
            w.WriteString("username", user.Username);
            w.WriteString("email", user.Email);
            w.WriteString("name", user.Name);
            w.WriteString("avatar_url", user.AvatarUrl);
            w.WritePropertyName("raw_profile");
            WriteElement(w, user.RawProfile ?? default);
            w.WriteString("external_token", user.ExternalToken);
            w.WriteStartArray("capabilities");
            foreach (var capability in user.Capabilities)
            {
                w.WriteStringValue(capability);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }
        else
        {
            w.WriteNullValue();
        }

        // No headers (stdio, the command line) is null, as in the reference; HTTP requests always carry some.
        if (context.RequestHeaders.Count == 0)
        {
            w.WriteNull("request_headers");
        }
        else
        {
            w.WriteStartObject("request_headers");
            foreach (var (name, value) in context.RequestHeaders)
            {
                w.WriteString(name, value);
            }

            w.WriteEndObject();
        }

        w.WriteString("transport", context.Transport);
        w.WriteString("session_id", context.SessionId);
        w.WriteString("trace_id", context.TraceId);
        w.WriteEndObject();
    }

    private static string Describe(EndpointDefinition endpoint) =>
        endpoint.Kind == EndpointKind.Tool ? $"Python function '{endpoint.Name}'" : $"The Python function of resource '{endpoint.Uri}'";

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // @on_shutdown hooks run first and may still use the database; only then is it closed to callbacks.
        await _pool.DisposeAsync().ConfigureAwait(false);
        _databaseClosed = true;
        await _lifetime.CancelAsync().ConfigureAwait(false);
        _lifetime.Dispose();
    }

    private sealed record ActiveCall(string Endpoint, CallContext Context, CancellationToken Token);
}
