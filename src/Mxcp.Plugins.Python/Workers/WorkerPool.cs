using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Mxcp.Plugins.Python.Configuration;
using Mxcp.Plugins.Python.Protocol;

namespace Mxcp.Plugins.Python.Workers;

/// <summary>
/// The worker processes of one executor: <see cref="PythonSettings.Workers"/> slots, each with a supervisor that
/// restarts a crashed or hung worker with exponential back-off (a new process imports the project again and reruns
/// its <c>@on_init</c> hooks), and a health check that kills a worker whose event loop stops answering.
/// </summary>
internal sealed class WorkerPool : IAsyncDisposable
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ShutdownHookTimeout = TimeSpan.FromSeconds(10);

    private readonly PythonSettings _settings;
    private readonly string _interpreter;
    private readonly string _script;
    private readonly string _projectRoot;
    private readonly Action<Utf8JsonWriter> _writeInitialize;
    private readonly Func<JsonNode?, CancellationToken, Task> _loaded;
    private readonly bool _runInitHooks;
    private readonly IWorkerCallbacks _callbacks;
    private readonly ILogger _logger;
    private readonly WorkerProcess?[] _current;

    /// <summary>Processes whose modules and plugins are loaded but whose <c>@on_init</c> hooks still run: they serve SQL functions (the hooks may call them).</summary>
    private readonly WorkerProcess?[] _hooksRunning;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loops = [];
    private readonly Lock _gate = new();
    private TaskCompletionSource _readyChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    /// <param name="settings">The <c>python</c> settings.</param>
    /// <param name="interpreter">The Python interpreter.</param>
    /// <param name="script">The worker script.</param>
    /// <param name="projectRoot">The project folder (the workers' working directory).</param>
    /// <param name="writeInitialize">Writes the parameters of <c>initialize</c>.</param>
    /// <param name="loaded">
    /// Called with the answer of each worker's <c>initialize</c> (modules and plugins loaded) before its <c>@on_init</c>
    /// hooks run; throws to fail that worker's start.
    /// </param>
    /// <param name="runInitHooks">Whether the workers run the <c>@on_init</c> hooks (not when they serve SQL functions only).</param>
    /// <param name="callbacks">Answers the workers' requests.</param>
    /// <param name="logger">The plugin's logger.</param>
    public WorkerPool(PythonSettings settings, string interpreter, string script, string projectRoot,
        Action<Utf8JsonWriter> writeInitialize, Func<JsonNode?, CancellationToken, Task> loaded, bool runInitHooks,
        IWorkerCallbacks callbacks, ILogger logger)
    {
        _settings = settings;
        _interpreter = interpreter;
        _script = script;
        _projectRoot = projectRoot;
        _writeInitialize = writeInitialize;
        _loaded = loaded;
        _runInitHooks = runInitHooks;
        _callbacks = callbacks;
        _logger = logger;
        _current = new WorkerProcess?[settings.Workers];
        _hooksRunning = new WorkerProcess?[settings.Workers];
    }

    /// <summary>The processes serving now (a restarting slot has none).</summary>
    public IReadOnlyList<WorkerProcess> Current
    {
        get
        {
            lock (_gate)
            {
                return _current.Where(p => p is { HasEnded: false }).Select(p => p!).ToList();
            }
        }
    }

    /// <summary>Starts every worker; fails (and stops those that started) when one cannot start.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var starts = Enumerable.Range(0, _current.Length).Select(slot => StartWorkerAsync(slot, cancellationToken)).ToArray();
        try
        {
            await Task.WhenAll(starts).ConfigureAwait(false);
        }
        catch
        {
            foreach (var start in starts.Where(s => s.IsCompletedSuccessfully))
            {
                await start.Result.DisposeAsync().ConfigureAwait(false);
            }

            throw starts.First(s => s.IsFaulted || s.IsCanceled).Exception?.InnerException ?? new OperationCanceledException(cancellationToken);
        }

        lock (_gate)
        {
            for (var slot = 0; slot < _current.Length; slot++)
            {
                _current[slot] = starts[slot].Result;
            }
        }

        for (var slot = 0; slot < _current.Length; slot++)
        {
            var s = slot;
            _loops.Add(Task.Run(() => SuperviseAsync(s)));
            _loops.Add(Task.Run(() => CheckHealthAsync(s)));
        }

        SignalReady();
    }

    /// <summary>The ready worker with the fewest calls; waits while every slot is restarting.</summary>
    /// <param name="sqlFunction">
    /// For a SQL function: a worker still running its <c>@on_init</c> hooks will do (its plugins are loaded), so that a
    /// hook's query can call the plugins' functions.
    /// </param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public async Task<WorkerProcess> AcquireAsync(CancellationToken cancellationToken, bool sqlFunction = false)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_disposed != 0)
                {
                    throw new InvalidOperationException("The Python executor has stopped (the project is reloading or shutting down)");
                }

                WorkerProcess? best = null;
                foreach (var process in sqlFunction ? _current.Concat(_hooksRunning) : _current)
                {
                    if (process is { HasEnded: false } && (best is null || process.InFlight < best.InFlight))
                    {
                        best = process;
                    }
                }

                if (best is not null)
                {
                    return best;
                }

                changed = _readyChanged.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<WorkerProcess> StartWorkerAsync(int slot, CancellationToken cancellationToken)
    {
        var process = WorkerProcess.Start(_interpreter, _script, _projectRoot, slot, _callbacks, _logger);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_settings.StartupTimeout);
            try
            {
                var info = await process.RequestAsync("initialize", _writeInitialize, timeout.Token).ConfigureAwait(false);
                Report(process, info);
                await _loaded(info, timeout.Token).ConfigureAwait(false);
                if (_runInitHooks)
                {
                    lock (_gate)
                    {
                        _hooksRunning[slot] = process;
                    }

                    SignalReady();
                    try
                    {
                        var hooks = await process.RequestAsync("init_hooks", null, timeout.Token).ConfigureAwait(false);
                        ReportHookErrors(hooks?["hook_errors"]);
                    }
                    finally
                    {
                        lock (_gate)
                        {
                            _hooksRunning[slot] = null;
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"the Python worker did not load the project's modules and run its @on_init hooks within {_settings.StartupTimeout.TotalSeconds} s (python.startup_timeout)"));
            }
            catch (WorkerExitedException e)
            {
                await Task.WhenAny(process.StderrClosed, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
                var tail = process.StderrTail;
                throw new InvalidOperationException($"{e.Message} while starting ({_interpreter}){(tail.Length > 0 ? ":\n" + tail : "")}", e);
            }

            return process;
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void Report(WorkerProcess process, JsonNode? info)
    {
        Log.WorkerStarted(_logger, process.Slot, process.Pid, info?["python"]?.GetValue<string>() ?? "?",
            info?["modules"]?.GetValue<int>() ?? 0, info?["init_hooks"]?.GetValue<int>() ?? 0);
        foreach (var error in Items(info?["preload_errors"]))
        {
            Log.ModuleImportFailed(_logger, Text(error, "file"), Text(error, "message"));
        }

    }

    private void ReportHookErrors(JsonNode? errors)
    {
        foreach (var error in Items(errors))
        {
            Log.HookFailed(_logger, Text(error, "hook"), Text(error, "message"), Text(error, "traceback"));
        }
    }

    internal static IEnumerable<JsonObject> Items(JsonNode? node) => node is JsonArray array ? array.OfType<JsonObject>() : [];

    internal static string Text(JsonObject item, string key) => item[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "";

    private async Task SuperviseAsync(int slot)
    {
        var attempts = 0;
        while (!_stopping.IsCancellationRequested)
        {
            WorkerProcess? process;
            lock (_gate)
            {
                process = _current[slot];
            }

            if (process is null)
            {
                return;
            }

            int code;
            try
            {
                code = await process.Exited.WaitAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            lock (_gate)
            {
                if (_disposed != 0)
                {
                    return;
                }

                _current[slot] = null;
            }

            if (DateTimeOffset.UtcNow - process.StartedAt > StableAfter)
            {
                attempts = 0;
            }

            var delay = Backoff(attempts++);
            Log.WorkerExited(_logger, slot, process.Pid, process.EndReason(code), process.CallsFailedAtExit, (long)delay.TotalMilliseconds);
            await process.DisposeAsync().ConfigureAwait(false);

            while (true)
            {
                try
                {
                    await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
                    var next = await StartWorkerAsync(slot, _stopping.Token).ConfigureAwait(false);
                    lock (_gate)
                    {
                        if (_disposed == 0)
                        {
                            _current[slot] = next;
                            next = null;
                        }
                    }

                    if (next is not null)
                    {
                        await next.DisposeAsync().ConfigureAwait(false);
                        return;
                    }

                    SignalReady();
                    break;
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    delay = Backoff(attempts++);
                    Log.WorkerRestartFailed(_logger, slot, e.Message, (long)delay.TotalMilliseconds);
                }
            }
        }
    }

    private static TimeSpan Backoff(int attempts) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, FirstBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempts, 16))));

    private async Task CheckHealthAsync(int slot)
    {
        var interval = TimeSpan.FromMilliseconds(Math.Clamp(_settings.HangTimeout.TotalMilliseconds / 4, 100, 5000));
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            WorkerProcess? process;
            lock (_gate)
            {
                process = _current[slot];
            }

            if (process is null || process.HasEnded)
            {
                continue;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            timeout.CancelAfter(_settings.HangTimeout);
            try
            {
                await process.RequestAsync("ping", null, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
            {
                Log.WorkerHung(_logger, slot, process.Pid, _settings.HangTimeout.TotalSeconds);
                process.Kill(string.Create(CultureInfo.InvariantCulture,
                    $"did not answer a health check within {_settings.HangTimeout.TotalSeconds} s (python.hang_timeout) and was killed"));
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is WorkerExitedException or PythonErrorException)
            {
                // The supervisor deals with a process that ended.
            }
        }
    }

    private void SignalReady()
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            previous = _readyChanged;
            _readyChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }

    /// <summary>Runs every worker's <c>@on_shutdown</c> hooks and stops them (a worker holding a reload payload stays until it ran).</summary>
    public async ValueTask DisposeAsync()
    {
        WorkerProcess[] processes;
        lock (_gate)
        {
            if (_disposed != 0)
            {
                return;
            }

            _disposed = 1;
            processes = _current.Where(p => p is not null).Select(p => p!).ToArray();
            Array.Clear(_current);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
        SignalReady();
        await Task.WhenAll(processes.Select(StopAsync)).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task StopAsync(WorkerProcess process)
    {
        ReportHookErrors(await process.ShutdownAsync(ShutdownHookTimeout).ConfigureAwait(false));
        if (!process.IsParked)
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }
    }
}
