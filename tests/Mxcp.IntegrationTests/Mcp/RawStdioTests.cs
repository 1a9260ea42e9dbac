using System.Diagnostics;
using System.Text.Json;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Mcp;

/// <summary>The bytes on stdout: only protocol messages, and nothing before the initialize response.</summary>
public sealed class RawStdioTests
{
    [Fact]
    public async Task Serve_Stdio_FirstLineIsTheInitializeResponseAndStdoutIsOnlyJsonRpc()
    {
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: raw\nprofile: dev\n");
        project.Write("tools/one.yml", "tool:\n  name: one\n  source: {code: select 1 as one}\n");
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
        psi.ArgumentList.Add("--debug");
        project.ApplyEnvironment(psi.Environment);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);

        await process.StandardInput.WriteLineAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""");
        await process.StandardInput.FlushAsync(TestContext.Current.CancellationToken);
        var first = JsonDocument.Parse((await process.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken))!).RootElement;
        Assert.Equal(1, first.GetProperty("id").GetInt32());
        Assert.Equal("mxcp", first.GetProperty("result").GetProperty("serverInfo").GetProperty("name").GetString());

        await process.StandardInput.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        await process.StandardInput.WriteLineAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/list"}""");
        await process.StandardInput.FlushAsync(TestContext.Current.CancellationToken);
        var second = JsonDocument.Parse((await process.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken))!).RootElement;
        Assert.Equal(2, second.GetProperty("id").GetInt32());
        Assert.Equal("one", second.GetProperty("result").GetProperty("tools")[0].GetProperty("name").GetString());

        process.StandardInput.Close();
        Assert.Null(await process.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken));
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, process.ExitCode);
        Assert.Contains("dbug:", await stderr);
    }
}
