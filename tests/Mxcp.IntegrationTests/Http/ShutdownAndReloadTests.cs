using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Http;

/// <summary>Signals sent to a real `mxcp serve`: graceful SIGTERM, a second signal, SIGHUP and file-watch reloads.</summary>
public sealed class ShutdownAndReloadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static TestProject SlowProject()
    {
        var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: slow\nprofile: dev\n");
        project.Write("tools/crunch.yml", """
            tool:
              name: crunch
              description: Sums the first n integers the slow way (about a second per 1e9 on one core)
              parameters: [{name: n, type: integer, description: How many}]
              return: {type: object, properties: {s: {type: number}}}
              source: {code: "select sum(i)::DOUBLE as s from range($n) t(i)"}
            """);
        project.Write("tools/quick.yml", "tool:\n  name: quick\n  description: Quick\n  return: {type: integer}\n  source: {code: select 1 as one}\n");
        return project;
    }

    [Fact]
    public async Task Sigterm_DuringCalls_EveryCallIsAnsweredAndExitIs0()
    {
        using var project = SlowProject();
        await using var server = await ServeProcess.StartAsync(project);
        var clients = new List<McpClient>();
        for (var i = 0; i < 4; i++)
        {
            clients.Add(await server.ConnectAsync("2025-11-25", cancellationToken: Ct));
        }

        var calls = clients.Select(c => c.CallToolAsync("crunch", new Dictionary<string, object?> { ["n"] = 400_000_000 }, cancellationToken: Ct).AsTask()).ToList();
        await Task.Delay(300, Ct);
        server.Signal("TERM");

        var results = await Task.WhenAll(calls);
        foreach (var result in results)
        {
            Assert.NotEqual(true, result.IsError);
            Assert.Equal(79999999800000000d, result.StructuredContent!.Value.GetProperty("s").GetDouble());
        }

        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("SIGTERM received: finishing calls in flight", server.Stderr);
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task Sigterm_CallLongerThanTwoSeconds_IsAnsweredAndExitIs0()
    {
        // A fixed-length call (a Python sleep, not CPU work): the drain must not be cut short by any timer of the
        // command-line layer, only by --shutdown-timeout.
        using var project = SlowProject();
        project.Write("python/nap.py", """
            import time

            def nap(seconds: float) -> dict:
                time.sleep(seconds)
                return {"slept": seconds}
            """);
        project.Write("tools/nap.yml", """
            tool:
              name: nap
              description: Sleeps
              language: python
              parameters: [{name: seconds, type: number, description: How long}]
              return: {type: object, properties: {slept: {type: number}}}
              source: {file: ../python/nap.py}
            """);
        await using var server = await ServeProcess.StartAsync(project, "--shutdown-timeout", "60");
        await using var client = await server.ConnectAsync("2025-11-25", cancellationToken: Ct);
        var call = client.CallToolAsync("nap", new Dictionary<string, object?> { ["seconds"] = 4.0 }, cancellationToken: Ct).AsTask();
        await Task.Delay(500, Ct);
        server.Signal("TERM");

        var result = await call;
        Assert.NotEqual(true, result.IsError);
        Assert.Equal(4.0, result.StructuredContent!.Value.GetProperty("slept").GetDouble());
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Sigterm_CallsOutlastTheShutdownTimeout_CancelledAnsweredAuditedAndExitIs0()
    {
        // A DuckDB query of minutes and a Python call of a minute against --shutdown-timeout 3: at the timeout both are
        // stopped, each caller gets an error answer, each call gets its audit record, and the process exits 0.
        using var project = SlowProject();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: slow\nprofile: dev\nprofiles:\n  dev:\n    audit:\n      enabled: true\n");
        project.Write("python/nap.py", """
            import time

            def nap(seconds: float) -> dict:
                time.sleep(seconds)
                return {"slept": seconds}
            """);
        project.Write("tools/nap.yml", """
            tool:
              name: nap
              description: Sleeps
              language: python
              parameters: [{name: seconds, type: number, description: How long}]
              return: {type: object, properties: {slept: {type: number}}}
              source: {file: ../python/nap.py}
            """);
        await using var server = await ServeProcess.StartAsync(project, "--shutdown-timeout", "3");
        await using var sqlClient = await server.ConnectAsync("2025-11-25", cancellationToken: Ct);
        await using var pythonClient = await server.ConnectAsync("2025-11-25", cancellationToken: Ct);
        var query = sqlClient.CallToolAsync("crunch", new Dictionary<string, object?> { ["n"] = 300_000_000_000 }, cancellationToken: Ct).AsTask();
        var nap = pythonClient.CallToolAsync("nap", new Dictionary<string, object?> { ["seconds"] = 90.0 }, cancellationToken: Ct).AsTask();
        await Task.Delay(1500, Ct);
        server.Signal("TERM");

        // Generous bounds that only a hang exceeds: the timeout is 3 s, the reported run took 150 s.
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(40)));
        foreach (var call in new[] { query, nap })
        {
            var result = await call.WaitAsync(TimeSpan.FromSeconds(10), Ct);
            Assert.True(result.IsError);
        }

        Assert.DoesNotContain("AUDIT RECORDS LOST", server.Stderr, StringComparison.Ordinal);
        var records = Directory.GetFiles(Path.Combine(project.Root, "audit"), "logs-dev-*.jsonl")
            .SelectMany(File.ReadAllLines)
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.Clone())
            .ToList();
        foreach (var tool in new[] { "crunch", "nap" })
        {
            var record = Assert.Single(records, r => r.GetProperty("operation_name").GetString() == tool);
            Assert.Equal("error", record.GetProperty("operation_status").GetString());
        }
    }

    [Fact]
    public async Task SecondSignal_ExitsAtOnce()
    {
        using var project = SlowProject();
        await using var server = await ServeProcess.StartAsync(project, "--shutdown-timeout", "120");
        await using var client = await server.ConnectAsync("2025-11-25", cancellationToken: Ct);
        var call = client.CallToolAsync("crunch", new Dictionary<string, object?> { ["n"] = 30_000_000_000 }, cancellationToken: Ct).AsTask();
        await Task.Delay(300, Ct);
        server.Signal("TERM");
        await Task.Delay(300, Ct);

        // SIGTERM again, as an orchestrator would: a test run started as a background job passes SIGINT on ignored
        // (the shell's rule for background jobs, kept by the .NET runtime), so a SIGINT could never arrive here.
        server.Signal("TERM");
        Assert.Equal(143, await server.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("SIGTERM received again: exiting now", server.Stderr);
        await Assert.ThrowsAnyAsync<Exception>(() => call);
    }

    [Fact]
    public async Task Sighup_ReloadsEndpointsAndNotifiesSessions()
    {
        using var project = SlowProject();
        await using var server = await ServeProcess.StartAsync(project);
        await AssertSighupReloadsAsync(server, project);
    }

    [Fact]
    public async Task Sighup_StartedUnderNohup_StillReloads()
    {
        // nohup starts the server with SIGHUP ignored, which .NET would leave in place (no reload on kill -HUP).
        using var project = SlowProject();
        await using var server = await ServeProcess.StartExecutableAsync("nohup", project, [MxcpExecutable.Path, "serve", "--port", "0"]);
        await AssertSighupReloadsAsync(server, project);
    }

    /// <summary>A tool added on disk is served after SIGHUP, announced to a connected client with list_changed.</summary>
    private static async Task AssertSighupReloadsAsync(ServeProcess server, TestProject project)
    {
        await using var client = await server.ConnectAsync("2025-11-25", cancellationToken: Ct);
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var _ = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            changed.TrySetResult();
            return ValueTask.CompletedTask;
        });

        project.Write("tools/added.yml", "tool:\n  name: added\n  description: Added later\n  return: {type: string}\n  source: {code: select 'new' as v}\n");
        server.Signal("HUP");
        await changed.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var result = await client.CallToolAsync("added", cancellationToken: Ct);
        Assert.Equal("new", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public async Task Watch_EditedFile_ReloadsWithoutASignal()
    {
        using var project = SlowProject();
        await using var server = await ServeProcess.StartAsync(project, "--watch");
        await using var client = await server.ConnectAsync("2025-11-25", cancellationToken: Ct);
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var _ = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            changed.TrySetResult();
            return ValueTask.CompletedTask;
        });

        project.Write("tools/quick.yml", "tool:\n  name: quick\n  description: Quicker\n  return: {type: integer}\n  source: {code: select 2 as two}\n");
        await changed.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        Assert.Equal("Quicker", tools.Single(t => t.Name == "quick").Description);
        var result = await client.CallToolAsync("quick", cancellationToken: Ct);
        Assert.Equal("2", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public async Task Watch_BrokenEdit_KeepsTheLastGoodProject()
    {
        using var project = SlowProject();
        await using var server = await ServeProcess.StartAsync(project, "--watch");
        await using var client = await server.ConnectAsync("2025-11-25", cancellationToken: Ct);
        project.Write("tools/quick.yml", "tool:\n  name: quick\n  source: {code: select $missing as x}\n");
        for (var i = 0; i < 100 && !server.Stderr.Contains("Reload failed", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100, Ct);
        }

        Assert.Contains("tools/quick.yml: Parameter mismatch", server.Stderr);
        var result = await client.CallToolAsync("quick", cancellationToken: Ct);
        Assert.Equal("1", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }
}
