using System.Collections.Concurrent;
using System.Diagnostics;
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
/// through the host's <see cref="IProjectReloader"/>. It is also the <see cref="ISqlFunctionProvider"/> of the project's
/// Python plugins: their <c>@udf</c> methods, registered with the snapshot's SQL database before the <c>@on_init</c>
/// hooks run, each evaluated for a whole chunk of rows per worker round trip.
/// </summary>
internal sealed class PythonExecutor : IEndpointExecutor, IWorkerCallbacks, ISqlFunctionProvider
{
    private readonly ProjectRuntimeContext _context;
    private readonly PythonSettings _settings;
    private readonly ILogger _logger;
    private readonly WorkerPool _pool;
    private readonly ConcurrentDictionary<long, ActiveCall> _calls = new();
    private readonly CancellationTokenSource _lifetime = new();
    private readonly SemaphoreSlim _loadedGate = new(1, 1);
    private IReadOnlyList<SqlFunction>? _sqlFunctions;
    private long _nextCall;
    private long _sqlFunctionBatches;
    private int _disposed;
    private volatile bool _databaseClosed;

    public PythonExecutor(ProjectRuntimeContext context, PythonSettings settings, string workerScript, ILogger logger)
    {
        _context = context;
        _settings = settings;
        _logger = logger;
        _pool = new WorkerPool(settings, settings.ResolveInterpreter(context.ProjectRoot), workerScript, context.ProjectRoot,
            WriteInitialize, OnLoadedAsync, runInitHooks: !context.SqlFunctionsOnly, this, logger);
    }

    public string Language => "python";

    public PythonSettings Settings => _settings;

    /// <summary>The worker processes serving now.</summary>
    internal IReadOnlyList<WorkerProcess> Workers => _pool.Current;

    public Task StartAsync(CancellationToken cancellationToken) => _pool.StartAsync(cancellationToken);

    /// <summary>The <c>@udf</c> methods of the project's plugins, as SQL functions (empty before the workers started).</summary>
    public IReadOnlyList<SqlFunction> SqlFunctions => _sqlFunctions ?? [];

    /// <summary>Worker round trips made for SQL functions (one per DuckDB data chunk).</summary>
    internal long SqlFunctionBatches => Interlocked.Read(ref _sqlFunctionBatches);

    /// <summary>
    /// A worker loaded the project's modules and plugins. The first one's plugins define the SQL functions, which are
    /// registered with the SQL database now, before any <c>@on_init</c> hook runs (hooks may call them). A plugin that
    /// cannot be created fails the worker's start, as it stops the reference's start-up.
    /// </summary>
    private async Task OnLoadedAsync(JsonNode? info, CancellationToken cancellationToken)
    {
        var failures = WorkerPool.Items(info?["plugin_errors"]).ToList();
        foreach (var failure in failures)
        {
            Log.PluginLoadFailed(_logger, WorkerPool.Text(failure, "plugin"), WorkerPool.Text(failure, "message"), WorkerPool.Text(failure, "traceback"));
        }

        if (failures.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", failures.Select(f =>
                $"plugin '{WorkerPool.Text(f, "plugin")}' (module {WorkerPool.Text(f, "module")}): {WorkerPool.Text(f, "message")}")));
        }

        var functions = WorkerPool.Items(info?["udfs"]).Select(u => new SqlFunction
        {
            Name = WorkerPool.Text(u, "name"),
            ParameterTypes = u["args"] is JsonArray args ? [.. args.Select(a => a?.GetValue<string>() ?? "")] : [],
            ReturnType = WorkerPool.Text(u, "return_type"),
            Origin = $"method {WorkerPool.Text(u, "method")} of Python plugin {WorkerPool.Text(u, "plugin")} (module {WorkerPool.Text(u, "module")})",
        }).ToList();

        await _loadedGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_sqlFunctions is not null)
            {
                if (!functions.Select(f => f.ToString()).SequenceEqual(_sqlFunctions.Select(f => f.ToString())))
                {
                    Log.SqlFunctionsChanged(_logger);
                }

                return;
            }

            _sqlFunctions = functions;
            if (functions.Count == 0)
            {
                return;
            }

            if (_context.SqlDatabase is not ISqlFunctionRegistry registry)
            {
                Log.SqlFunctionsNotRegistered(_logger, string.Join(", ", functions.Select(f => f.Name)));
                return;
            }

            try
            {
                await registry.AddAsync(this, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                _sqlFunctions = null;
                throw;
            }
        }
        finally
        {
            _loadedGate.Release();
        }
    }

    public async ValueTask<IReadOnlyList<object?>> InvokeAsync(SqlFunctionCall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var callId = Interlocked.Increment(ref _nextCall);
        using var timeout = new CancellationTokenSource();
        if (_settings.CallTimeout is { } limit)
        {
            timeout.CancelAfter(limit);
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token, _lifetime.Token);
        _calls[callId] = new ActiveCall($"SQL function {call.Function.Name}", call.Context, linked.Token, Activity.Current, SqlFunction: true);
        try
        {
            var worker = await _pool.AcquireAsync(linked.Token, sqlFunction: true).ConfigureAwait(false);
            worker.CallStarted();
            JsonNode? answer;
            try
            {
                answer = await worker.RequestAsync("udf", w => WriteSqlFunctionCall(w, callId, call), linked.Token).ConfigureAwait(false);
            }
            finally
            {
                worker.CallEnded();
            }

            Interlocked.Increment(ref _sqlFunctionBatches);
            Log.SqlFunctionBatch(_logger, call.Function.Name, call.Rows.Count, worker.Slot);
            return answer is JsonArray results
                ? [.. results.Select(WireValues.Read)]
                : throw new InvalidOperationException("the Python worker answered without a list of results");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var seconds = _settings.CallTimeout!.Value.TotalSeconds;
            Log.SqlFunctionTimedOut(_logger, call.Function.Name, seconds);
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                $"timed out after {seconds} s and was cancelled (python.timeout)"));
        }
        catch (PythonErrorException e) when (e.Code == PythonErrorException.ExecutionError)
        {
            Log.SqlFunctionFailed(_logger, call.Function.Name, e.PythonType ?? "an exception", e.Message, e.PythonTraceback ?? "");
            throw new InvalidOperationException(e.PythonType is { } type ? $"{type}: {e.Message}" : e.Message, e);
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

        // The span of the Python call, a child of the call's; its W3C trace context goes to the worker, where endpoint
        // code reads it (get_execution_context().get("traceparent")) and log records carry its trace id.
        using var activity = PythonTelemetry.Started(endpoint, invocation.Arguments.Count);
        var traceparent = Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;
        _calls[callId] = new ActiveCall(endpoint.Key, invocation.Context, linked.Token, activity);
        try
        {
            var worker = await _pool.AcquireAsync(linked.Token).ConfigureAwait(false);
            worker.CallStarted();
            try
            {
                return await worker.RequestAsync("invoke", w => WriteInvoke(w, callId, file, invocation, traceparent), linked.Token).ConfigureAwait(false);
            }
            finally
            {
                worker.CallEnded();
            }
        }
        catch (Exception e) when (PythonTelemetry.Failed(activity, e))
        {
            throw;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var seconds = _settings.CallTimeout!.Value.TotalSeconds;
            Log.CallTimedOut(_logger, endpoint.Key, seconds);
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                $"{Describe(endpoint)} timed out after {seconds} s and was cancelled (python.timeout)"));
        }
        catch (PythonErrorException e) when (e.Code == PythonErrorException.TooManyRows)
        {
            throw _context.ResultLimits.TooManyRows();
        }
        catch (PythonErrorException e) when (e.Code == PythonErrorException.TooManyBytes)
        {
            throw _context.ResultLimits.TooManyBytes();
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

        // The query's span belongs under the Python call that asked for it (this runs on the worker's reader).
        Activity.Current = call?.Activity ?? Activity.Current;
        return await database.QueryAsync(sql, values, call?.Context, call?.Token ?? _lifetime.Token).ConfigureAwait(false);
    }

    private async Task LogToClientAsync(JsonObject? parameters)
    {
        var call = FindCall(parameters);
        var level = parameters?["level"]?.GetValue<string>() ?? "info";
        var message = parameters?["message"]?.GetValue<string>() ?? "";
        if (call?.Context?.Notifier is { } notifier)
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
        if (call?.Context?.Notifier is not { } notifier)
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
        if (call.SqlFunction || call.Context is null)
        {
            throw new InvalidOperationException("reload_duckdb cannot be called from a SQL function (the query that calls it holds the database open)");
        }

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
        w.WriteNumber("max_result_rows", _context.ResultLimits.MaxRows);
        w.WriteNumber("max_result_bytes", _context.ResultLimits.MaxBytes);
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
        w.WriteBoolean("plugins_only", _context.SqlFunctionsOnly);
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

    private static void WriteInvoke(Utf8JsonWriter w, long callId, string file, EndpointInvocation invocation, string? traceparent)
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
        WriteContext(w, invocation.Context, traceparent);
    }

    private static void WriteSqlFunctionCall(Utf8JsonWriter w, long callId, SqlFunctionCall call)
    {
        w.WriteNumber("call", callId);
        w.WriteString("function", call.Function.Name);
        w.WriteStartArray("rows");
        foreach (var row in call.Rows)
        {
            w.WriteStartArray();
            foreach (var value in row)
            {
                WireValues.Write(w, value);
            }

            w.WriteEndArray();
        }

        w.WriteEndArray();
        WriteContext(w, call.Context, Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null);
    }

    /// <summary>The call's context as the worker's execution context; a SQL function outside a call has none.</summary>
    private static void WriteContext(Utf8JsonWriter w, CallContext? context, string? traceparent)
    {
        if (context is null)
        {
            w.WriteStartObject("context");
            w.WriteNull("user");
            w.WriteNull("request_headers");
            w.WriteEndObject();
            return;
        }

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
        w.WriteString("traceparent", traceparent);
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

    /// <summary>An endpoint call, or a SQL function's batch (whose query may run outside a call: no context), with its span.</summary>
    private sealed record ActiveCall(string Endpoint, CallContext? Context, CancellationToken Token, Activity? Activity, bool SqlFunction = false);
}
