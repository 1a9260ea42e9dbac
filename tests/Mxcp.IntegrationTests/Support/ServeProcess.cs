using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ModelContextProtocol.Client;

namespace Mxcp.IntegrationTests.Support;

/// <summary>`mxcp serve` over HTTP as a child process: waits for its "Listening on" line, sends it signals.</summary>
internal sealed partial class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout;
    private readonly StringBuilder _stderr = new();

    private ServeProcess(Process process, Uri endpoint, StringBuilder stdout)
    {
        _process = process;
        _stdout = stdout;
        Endpoint = endpoint;
    }

    /// <summary>The MCP endpoint (…/mcp, or …/sse for the legacy transport).</summary>
    public Uri Endpoint { get; }

    public Uri BaseUri => new(Endpoint.GetLeftPart(UriPartial.Authority));

    public int Pid => _process.Id;

    /// <summary>Everything the server wrote to stdout so far (the reader keeps appending to it).</summary>
    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>What the server printed so far (the banner first).</summary>
    public string Banner => Stdout;

    public bool HasExited => _process.HasExited;

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    [GeneratedRegex(@"Listening on (http://\S+)")]
    private static partial Regex ListeningLine();

    public static Task<ServeProcess> StartAsync(TestProject project, params string[] args) =>
        StartExecutableAsync(MxcpExecutable.Path, project, ["serve", "--port", "0", .. args]);

    /// <summary>Starts <paramref name="executable"/> with exactly <paramref name="arguments"/> (which must make it serve HTTP).</summary>
    public static async Task<ServeProcess> StartExecutableAsync(string executable, TestProject project, IEnumerable<string> arguments)
    {
        var psi = new ProcessStartInfo(executable)
        {
            WorkingDirectory = project.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in arguments)
        {
            psi.ArgumentList.Add(arg);
        }

        project.ApplyEnvironment(psi.Environment);
        var process = Process.Start(psi)!;
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException("mxcp serve exited before listening"));
                return;
            }

            lock (stdout)
            {
                stdout.AppendLine(e.Data);
            }

            if (ListeningLine().Match(e.Data) is { Success: true } m)
            {
                listening.TrySetResult(new Uri(m.Groups[1].Value));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var endpoint = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var serve = new ServeProcess(process, endpoint, stdout);
            lock (stderr)
            {
                serve._stderr.Append(stderr);
            }

            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (serve._stderr)
                    {
                        serve._stderr.AppendLine(e.Data);
                    }
                }
            };
            return serve;
        }
        catch (Exception e)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"mxcp serve did not start: {e.Message}\nstdout:\n{stdout}\nstderr:\n{stderr}", e);
        }
    }

    public Task<McpClient> ConnectAsync(string? protocolVersion = null, HttpTransportMode mode = HttpTransportMode.StreamableHttp, CancellationToken cancellationToken = default) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = Endpoint, TransportMode = mode }),
            new McpClientOptions { ProtocolVersion = protocolVersion, ClientInfo = new() { Name = "it", Version = "1" } },
            cancellationToken: cancellationToken);

    public void Signal(string signal) => ProcessStop.Signal(_process.Id, signal);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            // Say what the server was doing: its state and its last words.
            Assert.Fail($"mxcp serve did not exit within {timeout.TotalSeconds} s (process exited: {_process.HasExited}); its threads:\n{Threads()}\nits stderr:\n{Stderr}");
        }

        return _process.ExitCode;
    }

    /// <summary>The server's threads, their names and what they wait on (Linux), for a server that hangs.</summary>
    private string Threads()
    {
        var tasks = $"/proc/{_process.Id}/task";
        if (!Directory.Exists(tasks))
        {
            return "(not available)";
        }

        var lines = new StringBuilder();
        foreach (var task in Directory.EnumerateDirectories(tasks))
        {
            string Read(string file) => File.Exists(Path.Combine(task, file)) ? File.ReadAllText(Path.Combine(task, file)).Trim() : "?";
            var stat = Read("stat");
            var state = stat.LastIndexOf(')') is var close and > 0 && close + 2 < stat.Length ? stat[close + 2].ToString() : "?";
            lines.AppendLine(CultureInfo.InvariantCulture, $"  {Path.GetFileName(task)} {Read("comm")} state {state} wchan {Read("wchan")}");
        }

        var status = $"/proc/{_process.Id}/status";
        if (File.Exists(status))
        {
            // Ignored and blocked signals: a background job inherits SIGINT and SIGQUIT ignored.
            foreach (var line in File.ReadLines(status).Where(l => l.StartsWith("SigIgn", StringComparison.Ordinal) || l.StartsWith("SigBlk", StringComparison.Ordinal)))
            {
                lines.AppendLine("  " + line);
            }
        }

        return lines.ToString();
    }

    /// <summary>Stops the server as a service manager does (<see cref="ProcessStop.TerminateAsync"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        await ProcessStop.TerminateAsync(_process);
        _process.Dispose();
    }
}
