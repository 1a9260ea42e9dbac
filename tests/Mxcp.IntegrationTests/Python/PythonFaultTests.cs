using System.Diagnostics;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Python;

/// <summary>Python faults as an MCP client and an operator see them: crashes, timeouts, errors, bad files, reloads.</summary>
public sealed class PythonFaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;

    [Fact]
    public async Task CallTool_WorkerKilledMidCall_FailsThatCallThenTheRestartedWorkerServes()
    {
        using var project = PythonFaultProject.Create(timeoutSeconds: 60);
        await using var client = await StdioServer.ConnectAsync(project, Ct);
        var before = (await client.CallToolAsync("pid", cancellationToken: Ct)).StructuredContent!.Value;
        var pid = before.GetProperty("pid").GetInt32();

        var slow = client.CallToolAsync("block", new Dictionary<string, object?> { ["seconds"] = 30 }, cancellationToken: Ct).AsTask();
        await Task.Delay(500, Ct);
        Process.GetProcessById(pid).Kill();
        var failed = await slow;

        Assert.True(failed.IsError);
        Assert.Equal("The Python worker exited unexpectedly (exit code 137, signal 9) while running this call; it is being restarted", Text(failed));
        var after = (await client.CallToolAsync("pid", cancellationToken: Ct)).StructuredContent!.Value;
        Assert.NotEqual(pid, after.GetProperty("pid").GetInt32());
        Assert.Equal(before.GetProperty("starts").GetInt32() + 1, after.GetProperty("starts").GetInt32());
    }

    [Fact]
    public async Task CallTool_LongerThanTheTimeout_IsAToolErrorAndTheServerGoesOn()
    {
        using var project = PythonFaultProject.Create(timeoutSeconds: 1);
        await using var client = await StdioServer.ConnectAsync(project, Ct);

        var result = await client.CallToolAsync("nap", new Dictionary<string, object?> { ["seconds"] = 20 }, cancellationToken: Ct);
        var quick = await client.CallToolAsync("nap", new Dictionary<string, object?> { ["seconds"] = 0.01 }, cancellationToken: Ct);

        Assert.True(result.IsError);
        Assert.Equal("Python function 'nap' timed out after 1 s and was cancelled (python.timeout)", Text(result));
        Assert.NotEqual(true, quick.IsError);
    }

    [Fact]
    public async Task CallTool_PythonException_IsAToolErrorWithTheMessageOnly()
    {
        using var project = PythonFaultProject.Create();
        await using var client = await StdioServer.ConnectAsync(project, Ct);

        var result = await client.CallToolAsync("fail", new Dictionary<string, object?> { ["message"] = "Order 17 cannot be refunded" }, cancellationToken: Ct);

        Assert.True(result.IsError);
        Assert.Equal("Order 17 cannot be refunded", Text(result));
    }

    [Fact]
    public void ImportError_ValidateChecksOnlyTheFileRunNamesTheEndpointTheFileAndTheLine()
    {
        using var project = PythonFaultProject.Create();
        project.Write("python/broken.py", "import os\n\ndef broken(:\n    return 1\n");
        project.Write("tools/broken.yml", "mxcp: 1\ntool:\n  name: broken\n  source:\n    file: ../python/broken.py\n");

        // As the reference, validate does not import the project's code (a CI machine may lack its dependencies).
        var validate = project.Run("validate");
        Assert.True(validate.ExitCode == 0, validate.ToString());
        Assert.Contains("✓ tools/broken.yml", validate.Stdout, StringComparison.Ordinal);

        // Loading the endpoints to run them imports it and reports where it fails.
        var run = project.Run("run", "tool", "broken");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("tools/broken.yml: python/broken.py, line 3: SyntaxError: invalid syntax", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_ReloadDuckdb_RunsShutdownHooksThenThePayloadThenStartsAgain()
    {
        using var project = PythonFaultProject.Create();
        await using var client = await StdioServer.ConnectAsync(project, Ct);
        var pid = (await client.CallToolAsync("pid", cancellationToken: Ct)).StructuredContent!.Value.GetProperty("pid").GetInt32();

        var refresh = await client.CallToolAsync("refresh", cancellationToken: Ct);
        Assert.NotEqual(true, refresh.IsError);
        var log = Path.Combine(project.Root, "events.log");
        await PythonEndpointTests.WaitFor(() => File.ReadAllLines(log).Length >= 5, 30);
        var after = (await client.CallToolAsync("pid", cancellationToken: Ct)).StructuredContent!.Value;

        Assert.Equal(["init", "queued", "shutdown", "payload", "init"], File.ReadAllLines(log));
        Assert.NotEqual(pid, after.GetProperty("pid").GetInt32());
        Assert.Equal(2, after.GetProperty("starts").GetInt32());
    }

    [Fact]
    public void Run_ReloadDuckdbFromTheCommandLine_IsRefusedClearly()
    {
        using var project = PythonFaultProject.Create();

        var run = project.Run("run", "tool", "refresh", "--json-output");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Equal("reload_duckdb is only available while serving requests (mxcp serve), not from the command line", JsonDocument.Parse(run.Stdout).RootElement.GetProperty("error").GetString());
    }
}
