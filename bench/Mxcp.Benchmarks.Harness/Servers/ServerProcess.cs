using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Mxcp.Benchmarks.Harness.Measurement;
using Mxcp.Benchmarks.Harness.Processes;

namespace Mxcp.Benchmarks.Harness.Servers;

/// <summary>
/// A server under test, started on loopback (pinned to the server CPUs) with its output in a log file. Stopping sends
/// SIGTERM, so that servers with worker processes (Mxcp's Python workers) shut them down, and kills the whole process
/// tree when that takes longer than a few seconds.
/// </summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly TextWriter _log;
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _pumps;

    private ServerProcess(ServerSpec spec, Process process, TextWriter log, Stopwatch clock)
    {
        Spec = spec;
        _process = process;
        _log = log;
        Clock = clock;
        _pumps = Task.WhenAll(PumpAsync(process.StandardOutput, stdout: true), PumpAsync(process.StandardError, stdout: false));
    }

    public ServerSpec Spec { get; }

    public int Pid => _process.Id;

    /// <summary>Runs from just before the process was started.</summary>
    public Stopwatch Clock { get; }

    /// <summary>The MCP endpoint, once <see cref="StartAsync"/> returned.</summary>
    public Uri Url { get; private set; } = null!;

    public string LogFile { get; private init; } = "";

    public bool HasExited => _process.HasExited;

    /// <summary>Starts the server and waits until it listens (and, for fixed-port servers, answers the probe).</summary>
    public static async Task<ServerProcess> StartAsync(ServerSpec spec, CpuLayout cpus, string logDirectory, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(logDirectory);
        var logFile = Path.Combine(logDirectory, spec.Id + ".log");
        // stdout and stderr are pumped concurrently into one file.
        var log = TextWriter.Synchronized(new StreamWriter(logFile, append: true, Encoding.UTF8) { AutoFlush = true });
        log.WriteLine($"---- {DateTimeOffset.Now:O} {spec.FileName} {string.Join(' ', spec.Arguments)}");
        var (fileName, arguments) = CpuLayout.Pin(spec.Pin ? cpus.ServerCpus : null, spec.FileName, spec.Arguments);
        var clock = Stopwatch.StartNew();
        var process = Process.Start(ProcessRunner.StartInfo(fileName, arguments, spec.WorkingDirectory, spec.Environment))
            ?? throw new InvalidOperationException($"Could not start {spec.FileName}");
        var server = new ServerProcess(spec, process, log, clock) { LogFile = logFile };
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            server.Url = spec.FixedPort is { } port
                ? await server.WaitForProbeAsync(new Uri($"http://127.0.0.1:{port}{spec.Path}"), deadline.Token)
                : await server.WaitForListeningAsync(deadline.Token);
            return server;
        }
        catch (Exception e)
        {
            await server.DisposeAsync();
            var reason = e is OperationCanceledException && !cancellationToken.IsCancellationRequested ? $"did not get ready within {timeout.TotalSeconds:0} s" : e.Message;
            throw new InvalidOperationException($"Server '{spec.Id}' {reason}; its output is in {logFile}", e);
        }
    }

    /// <summary>A port that was free a moment ago, for servers that cannot pick their own.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            ProcessRunner.Terminate(_process.Id);
            using var deadline = new CancellationTokenSource(StopTimeout);
            try
            {
                await _process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        await _pumps;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            await _log.DisposeAsync();
            _process.Dispose();
        }
    }

    private async Task<Uri> WaitForListeningAsync(CancellationToken cancellationToken)
    {
        var exited = _process.WaitForExitAsync(cancellationToken);
        var listening = _listening.Task.WaitAsync(cancellationToken);
        if (await Task.WhenAny(listening, exited) == exited)
        {
            await exited;
            throw new InvalidOperationException($"exited with code {_process.ExitCode} before it listened");
        }

        return await listening;
    }

    private async Task<Uri> WaitForProbeAsync(Uri url, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"exited with code {_process.ExitCode} before it answered");
            }

            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(Spec.ReadinessProbe, Encoding.UTF8, "application/json") };
                request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
                using var response = await http.SendAsync(request, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return url;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private async Task PumpAsync(StreamReader reader, bool stdout)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            _log.WriteLine(line);
            if (stdout && !_listening.Task.IsCompleted && ListeningLine().Match(line) is { Success: true } match)
            {
                _listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        }
    }

    [GeneratedRegex(@"^Listening on (http://\S+)")]
    private static partial Regex ListeningLine();
}
