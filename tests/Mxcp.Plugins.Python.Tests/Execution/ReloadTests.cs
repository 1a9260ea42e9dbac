using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Plugins.Python.Tests.TestSupport;

namespace Mxcp.Plugins.Python.Tests.Execution;

/// <summary><c>reload_duckdb</c>: queued through the host's reloader; the payload runs in the worker after shutdown.</summary>
public sealed class ReloadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReloadDuckdb_WithPayload_ReturnsAtOnceThenRunsThePayloadAfterTheShutdownHooks()
    {
        await using var project = new PythonProject();
        var events = Path.Combine(project.Root, "events.txt");
        var file = project.Write("python/refresh.py", $$"""
            import os
            from mxcp.runtime import reload_duckdb, on_shutdown, db

            LOG = {{JsonSerializer.Serialize(events)}}

            def note(text):
                with open(LOG, "a") as f:
                    f.write(text + "\n")

            @on_shutdown
            def closing():
                note("shutdown")

            def refresh(tag):
                def swap():
                    try:
                        db.execute("SELECT 1")
                        note("db open during payload")
                    except Exception as e:
                        note("db closed: " + str(e))
                    note(f"payload {tag} in {os.getpid()}")
                reload_duckdb(swap, f"refresh {tag}")
                note("returned")
                return os.getpid()
            """);
        var executor = await project.StartAsync();
        var callEnded = new TaskCompletionSource();
        project.Reloader.BeforePayload = async () =>
        {
            // The host drains the calls in flight (the asking one included), then closes the snapshot's executors.
            await callEnded.Task;
            await executor.DisposeAsync();
        };

        var pid = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("refresh", file, "tag"), new Dictionary<string, object?> { ["tag"] = "a" }), Ct);
        callEnded.SetResult();
        var failure = await project.Reloader.Completed.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct);

        Assert.Null(failure);
        Assert.Equal(["refresh a"], project.Reloader.Descriptions);
        Assert.Equal(
            ["returned", "shutdown", "db closed: No DuckDB runtime available: the database is closed while the project stops or reloads", $"payload a in {pid}"],
            File.ReadAllLines(events));
        await CallTests.WaitFor(() => !IsRunning(pid!.GetValue<int>()));
    }

    [Fact]
    public async Task ReloadDuckdb_FromTheCommandLine_IsRefused()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/refresh.py", """
            from mxcp.runtime import reload_duckdb

            def refresh():
                reload_duckdb(lambda: None)
            """);
        var executor = await project.StartAsync();

        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("refresh", file), null, new CallContext { Transport = "cli" }), Ct).AsTask());

        Assert.Equal("reload_duckdb is only available while serving requests (mxcp serve), not from the command line", error.Message);
        Assert.Empty(project.Reloader.Descriptions);
    }

    [Fact]
    public async Task ReloadDuckdb_WithoutPayload_QueuesAReloadWithADefaultDescription()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/refresh.py", """
            from mxcp.runtime import reload_duckdb

            def refresh():
                reload_duckdb()
                return "queued"
            """);
        var executor = await project.StartAsync();

        var result = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("refresh", file)), Ct);
        await project.Reloader.Completed.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct);

        Assert.Equal("queued", result!.GetValue<string>());
        Assert.Equal(["reload_duckdb from tool/refresh"], project.Reloader.Descriptions);
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
