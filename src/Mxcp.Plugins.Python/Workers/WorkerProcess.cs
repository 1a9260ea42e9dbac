using System.Buffers;
using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Mxcp.Plugins.Python.Protocol;

namespace Mxcp.Plugins.Python.Workers;

/// <summary>
/// One Python worker process and the JSON-RPC connection to it: requests to the worker with their pending answers,
/// requests from the worker handed to <see cref="IWorkerCallbacks"/>, and the worker's stderr forwarded to the log.
/// The protocol runs over the process's stdin and stdout; the worker moves it to private descriptors before any user
/// code runs, so nothing it prints reaches the channel.
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private const int StderrTailLines = 20;
    private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly Stream _toWorker;
    private readonly Stream _fromWorker;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonNode?>> _pending = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<string> _stderrTail = new();
    private readonly IWorkerCallbacks _callbacks;
    private readonly ILogger _logger;
    private long _nextId;
    private int _inFlight;
    private int _payloads;
    private volatile bool _ended;
    private volatile bool _parked;
    private volatile string? _stopReason;
    private int _exitStarted;

    private WorkerProcess(Process process, int slot, IWorkerCallbacks callbacks, ILogger logger)
    {
        _process = process;
        _toWorker = process.StandardInput.BaseStream;
        _fromWorker = process.StandardOutput.BaseStream;
        _callbacks = callbacks;
        _logger = logger;
        Slot = slot;
        Pid = process.Id;
        StartedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>The pool slot this process fills.</summary>
    public int Slot { get; }

    public int Pid { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>Completes with the exit code when the process has ended and every pending request has failed.</summary>
    public Task<int> Exited => _exited.Task;

    public bool HasEnded => _ended;

    /// <summary>Whether the process outlives its executor to run reload payloads.</summary>
    public bool IsParked => _parked;

    /// <summary>Completes when the worker's stderr has been read to its end.</summary>
    public Task StderrClosed { get; private set; } = Task.CompletedTask;

    /// <summary>Endpoint calls running in this process.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// The endpoint calls that were running when the process ended: they fail with it. Counted before their callers
    /// are told, because <see cref="InFlight"/> drops as each caller handles its failure.
    /// </summary>
    public int CallsFailedAtExit { get; private set; }

    /// <summary>Why the process ended (or will end), for the errors of the requests it leaves unanswered.</summary>
    public string EndReason(int exitCode) => _stopReason ?? (exitCode > 128 && !OperatingSystem.IsWindows()
        ? string.Create(CultureInfo.InvariantCulture, $"exited unexpectedly (exit code {exitCode}, signal {exitCode - 128})")
        : string.Create(CultureInfo.InvariantCulture, $"exited unexpectedly (exit code {exitCode})"));

    /// <summary>The last lines the worker wrote to stderr, for start-up errors.</summary>
    public string StderrTail
    {
        get
        {
            lock (_stderrTail)
            {
                return string.Join('\n', _stderrTail);
            }
        }
    }

    /// <summary>Starts <c>interpreter -u script</c> in the project folder. Nothing secret is on the command line or in the environment.</summary>
    public static WorkerProcess Start(string interpreter, string script, string projectRoot, int slot, IWorkerCallbacks callbacks, ILogger logger)
    {
        var psi = new ProcessStartInfo(interpreter)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = projectRoot,
            StandardErrorEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add("-u");
        psi.ArgumentList.Add(script);
        psi.Environment["PYTHONUNBUFFERED"] = "1";
        psi.Environment["PYTHONIOENCODING"] = "utf-8";

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("the process did not start");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"cannot start the Python interpreter '{interpreter}': {e.Message}. Install Python 3 or set python.interpreter in the user configuration profile.", e);
        }

        var worker = new WorkerProcess(process, slot, callbacks, logger);
        worker.StderrClosed = Task.Run(worker.PumpStderrAsync);
        _ = Task.Run(worker.ReadLoopAsync);
        return worker;
    }

    /// <summary>Sends a request and waits for its answer. Cancelling sends the worker a <c>cancel</c> for it.</summary>
    /// <exception cref="PythonErrorException">The worker answered with an error.</exception>
    /// <exception cref="WorkerExitedException">The process ended first.</exception>
    public async Task<JsonNode?> RequestAsync(string method, Action<Utf8JsonWriter>? writeParams, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        if (_ended)
        {
            _pending.TryRemove(id, out _);
            throw new WorkerExitedException(ExitedMessage());
        }

        try
        {
            await WriteAsync(Serialize(id, method, writeParams)).ConfigureAwait(false);
        }
        catch
        {
            _pending.TryRemove(id, out _);
            throw;
        }

        using var registration = cancellationToken.Register(() => CancelRequest(id, cancellationToken));
        return await answer.Task.ConfigureAwait(false);
    }

    /// <summary>Sends a notification; failures (the process is gone) are ignored.</summary>
    public async Task NotifyAsync(string method, Action<Utf8JsonWriter>? writeParams)
    {
        try
        {
            await WriteAsync(Serialize(null, method, writeParams)).ConfigureAwait(false);
        }
        catch (WorkerExitedException)
        {
        }
    }

    public void CallStarted() => Interlocked.Increment(ref _inFlight);

    public void CallEnded() => Interlocked.Decrement(ref _inFlight);

    /// <summary>A reload payload was registered in this process: it must outlive its executor until the payload ran.</summary>
    public void RetainForPayload() => Interlocked.Increment(ref _payloads);

    /// <summary>The payload ran (or never will); a parked process with nothing left to run exits.</summary>
    public void ReleasePayload()
    {
        if (Interlocked.Decrement(ref _payloads) <= 0 && _parked)
        {
            _ = ExitAsync();
        }
    }

    public bool HasPayloads => Volatile.Read(ref _payloads) > 0;

    /// <summary>Runs the worker's <c>@on_shutdown</c> hooks, then ends it, or keeps it for its pending reload payloads.</summary>
    /// <returns>The hook errors the worker reported.</returns>
    public async Task<JsonArray?> ShutdownAsync(TimeSpan timeout)
    {
        JsonArray? errors = null;
        if (!_ended)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                var result = await RequestAsync("shutdown", null, cts.Token).ConfigureAwait(false);
                errors = result?["hook_errors"] as JsonArray;
            }
            catch (OperationCanceledException)
            {
                Log.WorkerStopFailed(_logger, Slot, $"the @on_shutdown hooks did not finish within {timeout.TotalSeconds} s");
            }
            catch (Exception e) when (e is WorkerExitedException or PythonErrorException)
            {
                Log.WorkerStopFailed(_logger, Slot, e.Message);
            }
        }

        if (HasPayloads && !_ended)
        {
            // Kept for reload_duckdb payloads, which run after the database is closed; never longer than this.
            _parked = true;
            _ = Task.Delay(TimeSpan.FromMinutes(10)).ContinueWith(_ => ExitAsync(), TaskScheduler.Default);
            if (!HasPayloads)
            {
                await ExitAsync().ConfigureAwait(false);
            }
        }
        else
        {
            await ExitAsync().ConfigureAwait(false);
        }

        return errors;
    }

    /// <summary>Asks the worker to exit, and kills it when it does not within a few seconds.</summary>
    public async Task ExitAsync()
    {
        if (Interlocked.Exchange(ref _exitStarted, 1) != 0)
        {
            await Exited.ConfigureAwait(false);
            return;
        }

        _stopReason ??= "was stopped";
        await NotifyAsync("exit", null).ConfigureAwait(false);
        try
        {
            await Exited.WaitAsync(ExitWait).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Kill("was stopped");
            await Exited.ConfigureAwait(false);
        }
    }

    /// <summary>Kills the process (and its children); pending requests fail with <paramref name="reason"/>.</summary>
    public void Kill(string reason)
    {
        _stopReason ??= reason;
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (Win32Exception)
        {
            // Already gone, or not ours to kill any more.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_ended)
        {
            Kill("was stopped");
        }

        await Exited.ConfigureAwait(false);
        _process.Dispose();
    }

    private string ExitedMessage() =>
        $"The Python worker {(Exited.IsCompletedSuccessfully ? EndReason(Exited.Result) : _stopReason ?? "has stopped")}";

    private void CancelRequest(long id, CancellationToken cancellationToken)
    {
        if (_pending.TryRemove(id, out var answer))
        {
            answer.TrySetCanceled(cancellationToken);
            _ = NotifyAsync("cancel", w => w.WriteNumber("id", id));
        }
    }

    private static ReadOnlyMemory<byte> Serialize(long? id, string method, Action<Utf8JsonWriter>? writeParams)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            if (id is { } value)
            {
                writer.WriteNumber("id", value);
            }

            writer.WriteString("method", method);
            writer.WriteStartObject("params");
            writeParams?.Invoke(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    private async Task WriteAsync(ReadOnlyMemory<byte> body)
    {
        var header = MessageFraming.Header(body.Length);
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_ended)
            {
                throw new WorkerExitedException(ExitedMessage());
            }

            await _toWorker.WriteAsync(header).ConfigureAwait(false);
            await _toWorker.WriteAsync(body).ConfigureAwait(false);
            await _toWorker.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // A broken pipe: the process has ended or is ending. Its exit code (seen by the read loop a moment later)
            // says why, so the error waits a little for it rather than reporting a bare "has stopped".
            await ((Task)Exited).WaitAsync(ExitWait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw new WorkerExitedException(ExitedMessage());
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                var frame = await MessageFraming.ReadAsync(_fromWorker, CancellationToken.None).ConfigureAwait(false);
                if (frame is null)
                {
                    break;
                }

                if (JsonNode.Parse(frame) is not JsonObject message)
                {
                    throw new InvalidDataException("a frame that is not a JSON object");
                }

                if (message["method"] is JsonValue method && method.TryGetValue<string>(out var name))
                {
                    _ = HandleIncomingAsync(message, name);
                }
                else
                {
                    Resolve(message);
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or EndOfStreamException)
        {
            Log.ProtocolError(_logger, Slot, e.Message);
            Kill("broke the protocol: " + e.Message);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The pipe closed: the process is ending.
        }
        finally
        {
            await EndAsync().ConfigureAwait(false);
        }
    }

    private async Task EndAsync()
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(ExitWait).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Its output closed but it lives on: it is no worker any more.
            Kill("closed its protocol channel");
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        var code = _process.ExitCode;
        CallsFailedAtExit = Volatile.Read(ref _inFlight);
        _ended = true;
        var message = $"The Python worker {EndReason(code)}";
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var answer))
            {
                answer.TrySetException(new WorkerExitedException(message));
            }
        }

        _exited.TrySetResult(code);
    }

    private void Resolve(JsonObject message)
    {
        if (message["id"] is not JsonValue idValue || !idValue.TryGetValue<long>(out var id) || !_pending.TryRemove(id, out var answer))
        {
            // The answer of a request that was cancelled or timed out: nobody waits for it any more.
            return;
        }

        if (message["error"] is JsonObject error)
        {
            var code = error["code"] is JsonValue c && c.TryGetValue<int>(out var n) ? n : PythonErrorException.ExecutionError;
            var text = error["message"]?.GetValue<string>() ?? "the Python worker reported an error";
            var data = error["data"] as JsonObject;
            answer.TrySetException(new PythonErrorException(code, text, data?["type"]?.GetValue<string>(), data?["traceback"]?.GetValue<string>()));
            return;
        }

        message.TryGetPropertyValue("result", out var result);
        message.Remove("result");
        answer.TrySetResult(result);
    }

    private async Task HandleIncomingAsync(JsonObject message, string method)
    {
        var id = message["id"]?.DeepClone();
        try
        {
            var result = await _callbacks.HandleAsync(this, method, message["params"] as JsonObject).ConfigureAwait(false);
            if (id is not null)
            {
                await WriteAsync(Answer(id, result, null)).ConfigureAwait(false);
            }
        }
        catch (WorkerExitedException)
        {
        }
        catch (Exception e)
        {
            Log.CallbackFailed(_logger, method, e.Message);
            if (id is not null)
            {
                try
                {
                    await WriteAsync(Answer(id, null, e.Message)).ConfigureAwait(false);
                }
                catch (WorkerExitedException)
                {
                }
            }
        }
    }

    private static ReadOnlyMemory<byte> Answer(JsonNode id, JsonNode? result, string? error)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            writer.WritePropertyName("id");
            id.WriteTo(writer);
            if (error is null)
            {
                writer.WritePropertyName("result");
                if (result is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    result.WriteTo(writer);
                }
            }
            else
            {
                writer.WriteStartObject("error");
                writer.WriteNumber("code", PythonErrorException.ExecutionError);
                writer.WriteString("message", error);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    private async Task PumpStderrAsync()
    {
        try
        {
            while (await _process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                lock (_stderrTail)
                {
                    _stderrTail.Enqueue(line);
                    if (_stderrTail.Count > StderrTailLines)
                    {
                        _stderrTail.Dequeue();
                    }
                }

                Log.WorkerOutput(_logger, Slot, line);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The process is gone.
        }
    }
}
