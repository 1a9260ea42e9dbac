using System.Diagnostics;
using System.Text.Json;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Mcp;

/// <summary>A stdio session while the project is still loading: the handshake is answered, everything else waits.</summary>
public sealed class SlowStartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// The project's <c>@on_init</c> hook blocks until the test creates a gate file, so the load cannot finish before
    /// the test decides. Clients give up on a handshake after a few seconds (the C# client probes
    /// <c>server/discover</c> for 5 s), whatever the project costs to load.
    /// </summary>
    [Fact]
    public async Task Serve_Stdio_HandshakeIsAnsweredWhileTheProjectLoadsAndRequestsWaitForIt()
    {
        using var project = TestProject.Empty();
        var gate = Path.Combine(project.Root, "gate");
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: slow\nprofile: dev\n");
        project.Write("python/slow.py", """
            import os, time
            from mxcp.runtime import on_init

            @on_init
            def warm_up():
                while not os.path.exists("gate"):
                    time.sleep(0.05)

            def hello(name: str) -> str:
                return "hello " + name
            """);
        project.Write("tools/hello.yml", """
            mxcp: 1
            tool:
              name: hello
              language: python
              source:
                file: ../python/slow.py
              parameters:
                - name: name
                  type: string
                  description: Who to greet
              return:
                type: string
            """);
        var psi = new ProcessStartInfo(MxcpExecutable.Path)
        {
            WorkingDirectory = project.Root,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add("serve");
        psi.ArgumentList.Add("--transport");
        psi.ArgumentList.Add("stdio");
        project.ApplyEnvironment(psi.Environment);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        try
        {
            await SendAsync(process, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""");
            var initialize = await ReadAsync(process);
            Assert.Equal(1, initialize.GetProperty("id").GetInt32());
            Assert.Equal("2025-11-25", initialize.GetProperty("result").GetProperty("protocolVersion").GetString());
            Assert.False(File.Exists(gate));

            await SendAsync(process, """{"jsonrpc":"2.0","method":"notifications/initialized"}""");
            await SendAsync(process, """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""");
            await SendAsync(process, """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"hello","arguments":{"name":"Ada"}}}""");
            await File.WriteAllTextAsync(gate, "", Ct);

            // No list_changed for the load itself: the client could not list anything before it.
            var list = await ReadAsync(process);
            Assert.Equal(2, list.GetProperty("id").GetInt32());
            Assert.Equal(["hello"], list.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
            var call = await ReadAsync(process);
            Assert.Equal(3, call.GetProperty("id").GetInt32());
            Assert.Equal("hello Ada", call.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());

            process.StandardInput.Close();
            Assert.Null(await process.StandardOutput.ReadLineAsync(Ct));
            await process.WaitForExitAsync(Ct);
            Assert.Equal(0, process.ExitCode);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            throw new InvalidOperationException("stderr of mxcp serve:\n" + await stderr, e);
        }
    }

    private static async Task SendAsync(Process process, string line)
    {
        await process.StandardInput.WriteLineAsync(line);
        await process.StandardInput.FlushAsync(Ct);
    }

    /// <summary>The next stdout line; a minute is far beyond any handshake a client waits for.</summary>
    private static async Task<JsonElement> ReadAsync(Process process)
    {
        var line = await process.StandardOutput.ReadLineAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.NotNull(line);
        return JsonDocument.Parse(line).RootElement;
    }
}
