using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mxcp.Abstractions;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Reload;
using Mxcp.Runtime.Tests.TestSupport;

namespace Mxcp.Runtime.Tests.Reload;

public sealed class ProjectSnapshotProviderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (ServiceProvider Services, ProjectSnapshotProvider Provider, FakeSqlProvider Sql) Create(TempProject project)
    {
        var sql = new FakeSqlProvider();
        var services = new ServiceCollection();
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddMxcpCore(o =>
        {
            o.ProjectPath = project.Root;
            o.Environment = name => name == "HOME" ? project.Root : null;
        });
        services.AddSingleton<IEndpointExecutorProvider>(sql);
        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<ProjectSnapshotProvider>(), sql);
    }

    private static async Task<JsonNode?> CallAsync(IServiceProvider services, ProjectSnapshotProvider provider, string tool)
    {
        using var lease = await provider.AcquireAsync(Ct);
        var endpoint = lease.Snapshot.FindTool(tool)!;
        var result = await services.GetRequiredService<EndpointPipeline>().InvokeAsync(
            new EndpointCall { Snapshot = lease.Snapshot, Endpoint = endpoint, Context = new CallContext { Transport = "test" } }, Ct);
        Assert.True(result.Succeeded, result.Error);
        return result.Value;
    }

    [Fact]
    public async Task ReloadAsync_EditedFile_DrainsInFlightCallsThenServesTheEdit()
    {
        using var project = new TempProject();
        project.Write("tools/t.yml", "tool:\n  name: t\n  source: {code: version-1}\n");
        var (services, provider, sql) = Create(project);
        await using var _ = services;
        await provider.LoadAsync(Ct);

        sql.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = CallAsync(services, provider, "t");
        await sql.Created[0].Started.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        project.Write("tools/t.yml", "tool:\n  name: t\n  source: {code: version-2}\n");
        var reload = provider.ReloadAsync(Ct);
        await WaitUntilAsync(() => provider.IsDraining);
        Assert.False(reload.IsCompleted);
        Assert.False(sql.Created[0].Disposed);

        sql.Hold.SetResult();
        Assert.Equal("version-1", (await inFlight)![0]!["source"]!.GetValue<string>());
        Assert.True(await reload);

        // The old executors closed before the new ones opened (the database is reopened on every reload).
        Assert.True(sql.Created[0].Disposed);
        Assert.Equal(2, sql.Created.Count);
        Assert.Equal("version-2", (await CallAsync(services, provider, "t"))![0]!["source"]!.GetValue<string>());
        Assert.Equal(ReloadStatus.Success, provider.LastReloadStatus);
    }

    [Fact]
    public async Task ReloadAsync_ListenersFromTheServices_HearEveryStepAndAFailingOneBreaksNothing()
    {
        using var project = new TempProject();
        project.Write("tools/t.yml", "tool:\n  name: t\n  source: {code: version-1}\n");
        var logs = new RecordingLoggerFactory();
        var recording = new RecordingListener();
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(logs);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddMxcpCore(o =>
        {
            o.ProjectPath = project.Root;
            o.Environment = name => name == "HOME" ? project.Root : null;
        });
        services.AddSingleton<IEndpointExecutorProvider>(new FakeSqlProvider());
        services.AddSingleton<IProjectSnapshotListener>(new ThrowingListener());
        services.AddSingleton<IProjectSnapshotListener>(recording);
        await using var provider = services.BuildServiceProvider();
        var snapshots = provider.GetRequiredService<ProjectSnapshotProvider>();

        await snapshots.LoadAsync(Ct);
        project.Write("tools/t.yml", "tool:\n  name: t\n  source: {code: version-2}\n");
        Assert.True(await snapshots.ReloadAsync(Ct));
        project.Write("tools/t.yml", "tool:\n  name: t\n  sorce: {code: broken}\n");
        Assert.False(await snapshots.ReloadAsync(Ct));

        Assert.Equal(["changed", "starting reload", "changed", "completed Success", "starting reload", "completed Error"], recording.Heard);
        Assert.Equal(ReloadStatus.Error, snapshots.LastReloadStatus);
        Assert.Equal("version-2", (await CallAsync(provider, snapshots, "t"))![0]!["source"]!.GetValue<string>());
        Assert.Contains(logs.Messages, m => m.Level == LogLevel.Error && m.Message == "A reload listener (ThrowingListener) failed; the reload goes on");
    }

    private sealed class RecordingListener : IProjectSnapshotListener
    {
        public List<string> Heard { get; } = [];

        public void OnReloadStarting(string description) => Heard.Add("starting " + description);

        public void OnSnapshotChanged(Mxcp.Runtime.Endpoints.ProjectSnapshot snapshot) => Heard.Add("changed");

        public void OnReloadCompleted(ReloadStatus status, string? error) => Heard.Add("completed " + status);
    }

    private sealed class ThrowingListener : IProjectSnapshotListener
    {
        public void OnReloadStarting(string description) => throw new InvalidOperationException("listener bug");

        public void OnSnapshotChanged(Mxcp.Runtime.Endpoints.ProjectSnapshot snapshot) => throw new InvalidOperationException("listener bug");

        public void OnReloadCompleted(ReloadStatus status, string? error) => throw new InvalidOperationException("listener bug");
    }

    [Fact]
    public async Task ReloadAsync_NewExecutorsFail_RestoresThePreviousProject()
    {
        using var project = new TempProject();
        project.Write("tools/t.yml", "tool:\n  name: t\n  source: {code: before}\n");
        var (services, provider, sql) = Create(project);
        await using var _ = services;
        await provider.LoadAsync(Ct);

        project.Write("tools/t.yml", "tool:\n  name: t\n  source: {code: after}\n");
        sql.FailNextCreate = "the database file is locked";
        Assert.False(await provider.ReloadAsync(Ct));
        Assert.Equal(ReloadStatus.Error, provider.LastReloadStatus);
        Assert.Equal("Cannot start the 'sql' executor: the database file is locked; the previous project was restored", provider.LastReloadError);
        Assert.Equal("before", (await CallAsync(services, provider, "t"))![0]!["source"]!.GetValue<string>());
    }

    [Fact]
    public async Task ReloadAsync_BrokenProject_KeepsTheLastGoodSnapshot()
    {
        using var project = new TempProject();
        project.Write("tools/t.yml", "tool:\n  name: t\n  source: {code: good}\n");
        var (services, provider, _) = Create(project);
        await using var __ = services;
        await provider.LoadAsync(Ct);

        project.Write("mxcp-site.yml", "mxcp: 1\nproject: demo\nprofle: dev\n");
        Assert.False(await provider.ReloadAsync(Ct));
        Assert.Equal(ReloadStatus.Error, provider.LastReloadStatus);
        Assert.Equal("mxcp-site.yml:3:1: unknown key 'profle' (did you mean 'profile'?)", provider.LastReloadError);
        Assert.Equal("good", (await CallAsync(services, provider, "t"))![0]!["source"]!.GetValue<string>());
    }

    [Fact]
    public async Task ReloadAsync_WithPayload_DrainsClosesRunsPayloadThenServesAgain()
    {
        using var project = new TempProject();
        project.Write("tools/t.yml", "tool:\n  name: t\n  source: {code: before}\n");
        var (services, provider, sql) = Create(project);
        await using var _ = services;
        await provider.LoadAsync(Ct);

        sql.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = CallAsync(services, provider, "t");
        await sql.Created[0].Started.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        var payloadSawClosedExecutor = false;
        var reload = provider.ReloadAsync("swap the file", _ =>
        {
            payloadSawClosedExecutor = sql.Created[0].Disposed;
            project.Write("tools/t.yml", "tool:\n  name: t\n  source: {code: after}\n");
            return Task.CompletedTask;
        }, Ct);
        await WaitUntilAsync(() => provider.IsDraining);

        // A call that arrives while draining waits for the reload, then runs on the new snapshot.
        var waiting = CallAsync(services, provider, "t");
        await Task.Delay(100, Ct);
        Assert.False(waiting.IsCompleted);
        Assert.False(reload.IsCompleted);

        sql.Hold.SetResult();
        Assert.Equal("before", (await inFlight)![0]!["source"]!.GetValue<string>());
        Assert.True(await reload);
        Assert.True(payloadSawClosedExecutor);
        Assert.Equal("after", (await waiting)![0]!["source"]!.GetValue<string>());
        Assert.False(provider.IsDraining);
    }

    [Fact]
    public async Task ReloadAsync_FailingPayload_IsReportedNotSwallowed()
    {
        using var project = new TempProject();
        project.Write("tools/t.yml", "tool:\n  name: t\n  source: {code: x}\n");
        var (services, provider, _) = Create(project);
        await using var __ = services;
        await provider.LoadAsync(Ct);

        Assert.False(await provider.ReloadAsync("bad payload", _ => throw new IOException("disk full"), Ct));
        Assert.Equal(ReloadStatus.Error, provider.LastReloadStatus);
        Assert.Equal("reload payload failed: disk full", provider.LastReloadError);
        Assert.Equal("x", (await CallAsync(services, provider, "t"))![0]!["source"]!.GetValue<string>());
    }

    [Fact]
    public async Task ReloadAsync_SequentialRequests_EachReloads_ConcurrentOnesCoalesce()
    {
        using var project = new TempProject();
        project.Write("tools/t.yml", "tool:\n  name: t\n  source: {code: one}\n");
        var (services, provider, sql) = Create(project);
        await using var _ = services;
        await provider.LoadAsync(Ct);

        Assert.True(await provider.ReloadAsync(Ct));
        project.Write("tools/t.yml", "tool:\n  name: t\n  source: {code: two}\n");
        Assert.True(await provider.ReloadAsync(Ct));
        Assert.Equal("two", (await CallAsync(services, provider, "t"))![0]!["source"]!.GetValue<string>());
        Assert.Equal(3, sql.Created.Count);

        // Hold a call so that the first reload drains; requests made meanwhile join one queued reload.
        sql.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = CallAsync(services, provider, "t");
        await sql.Created[^1].Started.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var first = provider.ReloadAsync(Ct);
        await WaitUntilAsync(() => provider.IsDraining);
        var second = provider.ReloadAsync(Ct);
        var third = provider.ReloadAsync(Ct);
        Assert.Same(second, third);
        Assert.NotSame(first, second);
        sql.Hold.SetResult();
        await inFlight;
        Assert.True(await first);
        Assert.True(await second);
        Assert.Equal(5, sql.Created.Count);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25, Ct);
        }

        Assert.True(condition());
    }
}
