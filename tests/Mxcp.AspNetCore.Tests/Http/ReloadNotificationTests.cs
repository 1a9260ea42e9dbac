using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.AspNetCore.Tests.Support;
using Mxcp.Runtime.Reload;

namespace Mxcp.AspNetCore.Tests.Http;

/// <summary>A reload changes what clients see, with one list_changed per kind and reload, and in-flight calls finish.</summary>
public sealed class ReloadNotificationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reload_AddedTool_OneListChangedAndTheToolIsCallable()
    {
        await using var server = await McpTestServer.StartAsync();
        await using var client = await server.ConnectAsync("2025-11-25");
        var toolNotifications = 0;
        var promptNotifications = 0;
        var notified = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var _ = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            Interlocked.Increment(ref toolNotifications);
            notified.TrySetResult();
            return ValueTask.CompletedTask;
        });
        await using var __ = client.RegisterNotificationHandler(NotificationMethods.PromptListChangedNotification, (_, _) =>
        {
            Interlocked.Increment(ref promptNotifications);
            return ValueTask.CompletedTask;
        });
        await server.WaitForNotificationStreamAsync(client);
        Assert.DoesNotContain(await client.ListToolsAsync(cancellationToken: Ct), t => t.Name == "added");

        McpTestServer.Write(server.Root, "tools/added.yml", "tool:\n  name: added\n  description: New\n  return: {type: integer}\n  source: {code: select 41 + 1 as n}\n");
        McpTestServer.Write(server.Root, "tools/echo.yml", "tool:\n  name: echo\n  description: Echoes loudly\n  parameters: [{name: text, type: string, description: Text}]\n  return: {type: string}\n  source: {code: select upper($text) as text}\n");
        Assert.True(await server.Services.GetRequiredService<ProjectSnapshotProvider>().ReloadAsync(Ct));

        await notified.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await Task.Delay(300, Ct);
        Assert.Equal(1, toolNotifications);
        Assert.Equal(0, promptNotifications);

        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        Assert.Equal("Echoes loudly", tools.Single(t => t.Name == "echo").Description);
        var added = await client.CallToolAsync("added", cancellationToken: Ct);
        Assert.Equal("42", Assert.IsType<TextContentBlock>(Assert.Single(added.Content)).Text);
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hi" }, cancellationToken: Ct);
        Assert.Equal("HI", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
    }

    [Fact]
    public async Task Reload_BrokenEdit_KeepsServingTheLastGoodProject()
    {
        await using var server = await McpTestServer.StartAsync();
        await using var client = await server.ConnectAsync("2025-11-25");
        McpTestServer.Write(server.Root, "tools/echo.yml", "tool:\n  name: echo\n  sorce: {code: select 1}\n");
        var provider = server.Services.GetRequiredService<ProjectSnapshotProvider>();
        Assert.False(await provider.ReloadAsync(Ct));
        Assert.Equal(ReloadStatus.Error, provider.LastReloadStatus);
        Assert.Contains("tools/echo.yml:3:3: tool: unknown key 'sorce' (did you mean 'source'?)", provider.LastReloadError);

        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "still here" }, cancellationToken: Ct);
        Assert.Equal("still here", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public async Task Reload_DuringACall_TheCallFinishesBeforeTheSwapAndNewCallsWait()
    {
        await using var server = await McpTestServer.StartAsync();
        await using var client = await server.ConnectAsync("2025-11-25");
        var call = client.CallToolAsync("wait", cancellationToken: Ct).AsTask();
        while (server.Gate.Started == 0)
        {
            await Task.Delay(20, Ct);
        }

        File.Delete(Path.Combine(server.Root, "tools", "wait.yml"));
        var provider = server.Services.GetRequiredService<ProjectSnapshotProvider>();
        var reload = provider.ReloadAsync(Ct);
        while (!provider.IsDraining)
        {
            await Task.Delay(20, Ct);
        }

        // A call that arrives while the reload drains waits for it, then runs on the new project.
        var waiting = client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "after" }, cancellationToken: Ct).AsTask();
        await Task.Delay(200, Ct);
        Assert.False(waiting.IsCompleted);

        server.Gate.Open();
        var result = await call;
        Assert.NotEqual(true, result.IsError);
        Assert.Equal("opened", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.True(await reload);
        Assert.Equal("after", Assert.IsType<TextContentBlock>(Assert.Single((await waiting).Content)).Text);
        Assert.DoesNotContain(await client.ListToolsAsync(cancellationToken: Ct), t => t.Name == "wait");
    }
}
