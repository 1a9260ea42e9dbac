using System.ComponentModel;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.AspNetCore.Tests.Support;
using Mxcp.Runtime.Reload;

namespace Mxcp.AspNetCore.Tests.Http;

/// <summary>A host that serves its own MCP tools and prompts (<c>AddMcpServer().WithTools&lt;T&gt;()</c>) next to the project.</summary>
public sealed class CoexistenceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void HostPrimitives(IServiceCollection services) =>
        services.AddMcpServer().WithTools<HostTools>().WithPrompts<HostPrompts>();

    [Theory]
    [InlineData(null)]
    [InlineData("2025-11-25")]
    public async Task ListAndCall_HostAndProjectPrimitives_AreServedTogether(string? protocolVersion)
    {
        await using var server = await McpTestServer.StartAsync(services: HostPrimitives);
        await using var client = await server.ConnectAsync(protocolVersion);

        var tools = (await client.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["admin_only", "echo", "host_add", "host_clock", "wait", "whoami"], tools);
        Assert.Equal(["host_greeting"], (await client.ListPromptsAsync(cancellationToken: Ct)).Select(p => p.Name));

        var sum = await client.CallToolAsync("host_add", new Dictionary<string, object?> { ["a"] = 2, ["b"] = 40 }, cancellationToken: Ct);
        Assert.Equal("42", Assert.IsType<TextContentBlock>(Assert.Single(sum.Content)).Text);
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "project" }, cancellationToken: Ct);
        Assert.Equal("project", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
    }

    [Fact]
    public async Task Reload_ChangesOnlyTheProjectsTools_HostToolsUntouched_OneListChanged()
    {
        await using var server = await McpTestServer.StartAsync(services: HostPrimitives);
        await using var client = await server.ConnectAsync("2025-11-25");
        var toolChanges = 0;
        var promptChanges = 0;
        var notified = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var onTools = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            Interlocked.Increment(ref toolChanges);
            notified.TrySetResult();
            return ValueTask.CompletedTask;
        });
        await using var onPrompts = client.RegisterNotificationHandler(NotificationMethods.PromptListChangedNotification, (_, _) =>
        {
            Interlocked.Increment(ref promptChanges);
            return ValueTask.CompletedTask;
        });
        await server.WaitForNotificationStreamAsync(client);
        var hostBefore = (await client.ListToolsAsync(cancellationToken: Ct)).Where(t => t.Name.StartsWith("host_", StringComparison.Ordinal)).Select(t => t.Description).ToList();

        // Add a tool, change one, remove one.
        McpTestServer.Write(server.Root, "tools/added.yml", "tool:\n  name: added\n  description: New\n  return: {type: integer}\n  source: {code: select 41 + 1 as n}\n");
        McpTestServer.Write(server.Root, "tools/echo.yml", "tool:\n  name: echo\n  description: Echoes loudly\n  parameters: [{name: text, type: string, description: Text}]\n  return: {type: string}\n  source: {code: select upper($text) as text}\n");
        File.Delete(Path.Combine(server.Root, "tools", "whoami.yml"));
        Assert.True(await server.Services.GetRequiredService<ProjectSnapshotProvider>().ReloadAsync(Ct));

        await notified.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await Task.Delay(300, Ct);
        Assert.Equal(1, toolChanges);
        Assert.Equal(0, promptChanges);

        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        Assert.Equal(["added", "admin_only", "echo", "host_add", "host_clock", "wait"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.Equal("Echoes loudly", tools.Single(t => t.Name == "echo").Description);
        Assert.Equal(hostBefore, tools.Where(t => t.Name.StartsWith("host_", StringComparison.Ordinal)).Select(t => t.Description));
        var sum = await client.CallToolAsync("host_add", new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2 }, cancellationToken: Ct);
        Assert.Equal("3", Assert.IsType<TextContentBlock>(Assert.Single(sum.Content)).Text);
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hi" }, cancellationToken: Ct);
        Assert.Equal("HI", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
        Assert.Equal(["host_greeting"], (await client.ListPromptsAsync(cancellationToken: Ct)).Select(p => p.Name));
    }

    [Fact]
    public async Task Start_ProjectToolNamedLikeAHostTool_FailsNamingBoth()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => McpTestServer.StartAsync(
            services: HostPrimitives,
            writeProject: root => McpTestServer.Write(root, "tools/clock.yml", "tool:\n  name: host_clock\n  description: Clash\n  return: {type: string}\n  source: {code: select 'x' as s}\n")));
        Assert.Equal(
            "tools/clock.yml: the project's tool 'host_clock' has the same name as the host's MCP tool 'host_clock' (HostTools.Clock); rename one of them.",
            e.Message);
    }

    [Fact]
    public async Task Reload_ProjectPromptTakesAHostPromptName_IsRefusedAndTheLastGoodProjectServes()
    {
        await using var server = await McpTestServer.StartAsync(services: HostPrimitives);
        await using var client = await server.ConnectAsync("2025-11-25");
        McpTestServer.Write(server.Root, "prompts/greeting.yml", "prompt:\n  name: host_greeting\n  description: Clash\n  messages: [{prompt: Hello}]\n");
        var provider = server.Services.GetRequiredService<ProjectSnapshotProvider>();

        Assert.False(await provider.ReloadAsync(Ct));
        Assert.Equal(ReloadStatus.Error, provider.LastReloadStatus);
        Assert.Equal(
            "prompts/greeting.yml: the project's prompt 'host_greeting' has the same name as the host's MCP prompt 'host_greeting' (HostPrompts.Greeting); rename one of them.",
            provider.LastReloadError);
        var greeting = await client.GetPromptAsync("host_greeting", new Dictionary<string, object?> { ["name"] = "Ann" }, cancellationToken: Ct);
        Assert.Equal("Hello, Ann", Assert.IsType<TextContentBlock>(Assert.Single(greeting.Messages).Content).Text);
        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "still" }, cancellationToken: Ct);
        Assert.Equal("still", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
    }

    [McpServerToolType]
    private sealed class HostTools
    {
        [McpServerTool(Name = "host_add"), Description("Adds two numbers (a tool of the host)")]
        public static int Add(int a, int b) => a + b;

        [McpServerTool(Name = "host_clock"), Description("The host's clock")]
        public static string Clock() => DateTimeOffset.UtcNow.ToString("O");
    }

    [McpServerPromptType]
    private sealed class HostPrompts
    {
        [McpServerPrompt(Name = "host_greeting"), Description("Greets someone (a prompt of the host)")]
        public static string Greeting(string name) => $"Hello, {name}";
    }
}
