using System.Diagnostics;
using System.Text.Json.Nodes;
using Mxcp.Plugins.Python.Tests.Execution;
using Mxcp.Plugins.Python.Tests.TestSupport;

namespace Mxcp.Plugins.Python.Tests.Workers;

/// <summary>Crashes, hangs, timeouts, cancellation and load: the worker pool keeps serving.</summary>
public sealed class FaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Tools = """
        import asyncio, os, threading, time
        from mxcp.runtime import on_init, db

        STARTS = []

        @on_init
        def started():
            STARTS.append(os.getpid())
            db.execute("SELECT 'init'")

        def pid():
            return {"pid": os.getpid(), "starts": len(STARTS)}

        def crash():
            os._exit(3)

        def sleep_sync(seconds):
            time.sleep(float(seconds))
            return "slept"

        def spin(seconds):
            end = time.monotonic() + float(seconds)
            n = 0
            while time.monotonic() < end:
                n += 1
            return n

        async def sleep_async(seconds):
            await asyncio.sleep(float(seconds))
            return "slept"

        async def block_loop(seconds):
            time.sleep(float(seconds))
            return "blocked"

        def concurrent(i):
            time.sleep(0.2)
            return {"i": int(i), "thread": threading.current_thread().name}

        async def concurrent_async(i):
            await asyncio.sleep(0.2)
            return int(i)
        """;

    [Fact]
    public async Task Execute_WorkerKilledMidCall_FailsTheCallThenRestartsAndRerunsInitHooks()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/tools.py", Tools);
        var executor = await project.StartAsync();
        var first = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("pid", file)), Ct);
        var firstPid = first!["pid"]!.GetValue<int>();

        var slow = executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("sleep_sync", file, "seconds"), new Dictionary<string, object?> { ["seconds"] = "30" }), Ct).AsTask();
        await Task.Delay(300, Ct);
        Process.GetProcessById(firstPid).Kill();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => slow);

        Assert.StartsWith("The Python worker exited unexpectedly (exit code 137, signal 9) while running this call; it is being restarted", error.Message, StringComparison.Ordinal);
        var after = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("pid", file)), Ct);
        Assert.NotEqual(firstPid, after!["pid"]!.GetValue<int>());
        Assert.Equal(1, after["starts"]!.GetValue<int>());
        Assert.Equal(2, project.Database.Queries.Count(q => q.Sql == "SELECT 'init'"));
        Assert.Contains(project.Logs.Messages, m => m.Message.Contains("exited unexpectedly (exit code 137, signal 9); 1 call(s) in flight failed; restarting it", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Execute_FunctionThatExitsTheProcess_IsRecoveredFrom()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/tools.py", Tools);
        var executor = await project.StartAsync();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("crash", file)), Ct).AsTask());
        var after = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("pid", file)), Ct);

        Assert.Equal("The Python worker exited unexpectedly (exit code 3) while running this call; it is being restarted", error.Message);
        Assert.Equal(1, after!["starts"]!.GetValue<int>());
        Assert.Contains(project.Logs.Messages, m => m.Message.Contains("exited unexpectedly (exit code 3); 1 call(s) in flight failed; restarting it", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("sleep_async")]
    [InlineData("spin")]
    public async Task Execute_LongerThanTheTimeout_IsCancelledWithATimeoutError(string function)
    {
        await using var project = new PythonProject();
        project.Settings["timeout"] = 0.5;
        var file = project.Write("python/tools.py", Tools);
        var executor = await project.StartAsync();
        var watch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool(function, file, "seconds"), new Dictionary<string, object?> { ["seconds"] = "20" }), Ct).AsTask());

        Assert.Equal($"Python function '{function}' timed out after 0.5 s and was cancelled (python.timeout)", error.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));
        // The worker stays usable: the async task was cancelled, the spinning thread got an exception injected.
        var after = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("pid", file)), Ct);
        Assert.Equal(1, after!["starts"]!.GetValue<int>());
        await CallTests.WaitFor(() => executor.Workers.Single().InFlight == 0);
    }

    [Fact]
    public async Task HealthCheck_EventLoopBlockedLongerThanTheHangTimeout_KillsAndRestartsTheWorker()
    {
        await using var project = new PythonProject();
        project.Settings["hang_timeout"] = 1;
        var file = project.Write("python/tools.py", Tools);
        var executor = await project.StartAsync();

        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("block_loop", file, "seconds"), new Dictionary<string, object?> { ["seconds"] = "20" }), Ct).AsTask());

        Assert.Equal("The Python worker did not answer a health check within 1 s (python.hang_timeout) and was killed while running this call; it is being restarted", error.Message);
        var after = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("pid", file)), Ct);
        Assert.Equal(1, after!["starts"]!.GetValue<int>());
    }

    [Fact]
    public async Task Execute_FiftyConcurrentCalls_RunInParallelOnThreadsAndTheLoop()
    {
        await using var project = new PythonProject();
        project.Settings["threads"] = 64;
        var file = project.Write("python/tools.py", Tools);
        var executor = await project.StartAsync();
        var watch = Stopwatch.StartNew();

        var sync = Enumerable.Range(0, 50).Select(i =>
            executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("concurrent", file, "i"), new Dictionary<string, object?> { ["i"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }), Ct).AsTask());
        var results = await Task.WhenAll(sync);
        var syncTime = watch.Elapsed;
        watch.Restart();
        var async = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("concurrent_async", file, "i"), new Dictionary<string, object?> { ["i"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }), Ct).AsTask()));

        Assert.Equal(Enumerable.Range(0, 50), results.Select(r => r!["i"]!.GetValue<int>()));
        Assert.True(results.Select(r => r!["thread"]!.GetValue<string>()).Distinct().Count() > 10);
        Assert.True(syncTime < TimeSpan.FromSeconds(5), $"50 calls of 0.2 s took {syncTime}");
        Assert.Equal(Enumerable.Range(0, 50), async.Select(r => r!.GetValue<int>()));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"50 async calls of 0.2 s took {watch.Elapsed}");
    }

    [Fact]
    public async Task Execute_SeveralWorkers_ShareTheCalls()
    {
        await using var project = new PythonProject();
        project.Settings["workers"] = 2;
        var file = project.Write("python/tools.py", Tools);
        var executor = await project.StartAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("sleep_sync", file, "seconds"), new Dictionary<string, object?> { ["seconds"] = "0.3" }), Ct);
            return 0;
        }));
        var pids = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
            (await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("pid", file)), Ct))!["pid"]!.GetValue<int>()));

        Assert.Equal(2, executor.Workers.Count);
        Assert.Equal(2, executor.Workers.Select(w => w.Pid).Distinct().Count());
        Assert.All(pids, pid => Assert.Contains(pid, executor.Workers.Select(w => w.Pid)));
        Assert.Equal(2, project.Database.Queries.Count(q => q.Sql == "SELECT 'init'"));
        Assert.Equal(8, results.Length);
    }

    [Fact]
    public async Task Execute_CancelledByTheCaller_StopsWaitingAndTheWorkerGoesOn()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/tools.py", Tools);
        var executor = await project.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("sleep_async", file, "seconds"), new Dictionary<string, object?> { ["seconds"] = "30" }), cts.Token).AsTask());

        var after = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("pid", file)), Ct);
        Assert.Equal(1, after!["starts"]!.GetValue<int>());
    }

    [Fact]
    public async Task Start_InterpreterMissing_FailsWithAClearError()
    {
        await using var project = new PythonProject();
        project.Settings["interpreter"] = "python-that-does-not-exist";

        var error = await Assert.ThrowsAnyAsync<Exception>(project.StartAsync);

        Assert.StartsWith("cannot start the Python interpreter 'python-that-does-not-exist':", error.Message, StringComparison.Ordinal);
        Assert.Contains("set python.interpreter in the user configuration profile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_InterpreterThatExitsAtOnce_ReportsItsOutput()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "uses a shell script as the interpreter");
        await using var project = new PythonProject();
        project.Write("fake-python.sh", "#!/bin/sh\necho 'this is not Python' >&2\nexit 2\n");
#pragma warning disable CA1416 // not on Windows (skipped above)
        File.SetUnixFileMode(Path.Combine(project.Root, "fake-python.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
#pragma warning restore CA1416
        project.Settings["interpreter"] = "./fake-python.sh";

        var error = await Assert.ThrowsAnyAsync<Exception>(project.StartAsync);

        Assert.StartsWith("The Python worker exited unexpectedly (exit code 2) while starting", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("this is not Python", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispose_RunsShutdownHooksAndEndsTheProcesses()
    {
        await using var project = new PythonProject();
        project.Settings["workers"] = 2;
        var file = project.Write("python/tools.py", Tools);
        var executor = await project.StartAsync();
        var pids = executor.Workers.Select(w => w.Pid).ToList();

        await executor.DisposeAsync();

        foreach (var pid in pids)
        {
            Assert.Throws<ArgumentException>(() => Process.GetProcessById(pid));
        }

        var error = await Assert.ThrowsAnyAsync<Exception>(() => executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("pid", file)), Ct).AsTask());
        Assert.Equal("The Python executor has stopped (the project is reloading or shutting down)", error.Message);
    }
}
