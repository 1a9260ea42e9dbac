using System.Diagnostics;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Mxcp.IntegrationTests.Support;

/// <summary>
/// <c>mxcp serve --transport stdio</c> started by the test itself (so that it knows the process id and can send it
/// signals), with the official MCP client speaking over the process's stdin and stdout.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _stderr = [];

    private ServerProcess(Process process, McpClient client)
    {
        _process = process;
        Client = client;
    }

    public McpClient Client { get; }

    public int Pid => _process.Id;

    public int ExitCode => _process.ExitCode;

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return string.Join('\n', _stderr);
            }
        }
    }

    public static async Task<ServerProcess> StartAsync(TestProject project, CancellationToken cancellationToken, params string[] extraArgs)
    {
        var psi = new ProcessStartInfo(MxcpExecutable.Path)
        {
            WorkingDirectory = project.Root,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in (string[])["serve", "--transport", "stdio", .. extraArgs])
        {
            psi.ArgumentList.Add(arg);
        }

        project.ApplyEnvironment(psi.Environment);
        var process = Process.Start(psi)!;
        var stderr = new List<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.Add(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        try
        {
            var transport = new StreamClientTransport(process.StandardInput.BaseStream, process.StandardOutput.BaseStream);
            var client = await McpClient.CreateAsync(transport, new McpClientOptions
            {
                ClientInfo = new() { Name = "mxcp-tests", Version = "1.0" },
                // As in StdioServer: the server answers once its project is loaded, which can outlast the default 5 s probe.
                DiscoverProbeTimeout = TimeSpan.FromSeconds(60),
            }, cancellationToken: cancellationToken);
            var server = new ServerProcess(process, client);
            lock (stderr)
            {
                server._stderr.AddRange(stderr);
            }

            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (server._stderr)
                    {
                        server._stderr.Add(e.Data);
                    }
                }
            };
            return server;
        }
        catch (Exception e)
        {
            process.Kill(entireProcessTree: true);
            lock (stderr)
            {
                throw new InvalidOperationException("mxcp serve did not start:\n" + string.Join('\n', stderr), e);
            }
        }
    }

    /// <summary>Closes the client (and so the server's stdin), which ends the session; waits for the server to exit.</summary>
    public async Task CloseAsync()
    {
        await Client.DisposeAsync();
        _process.StandardInput.Close();
        if (!await WaitForExitAsync(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("mxcp serve did not exit after its client closed the session\n" + Stderr);
        }
    }

    /// <summary>Sends SIGTERM, as a service manager does on stop.</summary>
    public void Terminate() => ProcessStop.Signal(Pid, "TERM");

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Client.DisposeAsync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }

        // Closing the server's stdin ends its session, and it exits by itself. Killed, a .NET process leaves its diagnostic
        // pipes and sockets in the temporary folder.
        try
        {
            _process.StandardInput.Close();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }

        if (!await WaitForExitAsync(TimeSpan.FromSeconds(10)))
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
