using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.AspNetCore.Tests.Support;
using Mxcp.Runtime.Reload;

namespace Mxcp.AspNetCore.Tests.Http;

public sealed class CompletionAndSubscriptionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void PromptWithChoices(string root) => McpTestServer.Write(root, "prompts/report.yml", """
        prompt:
          name: report
          description: A report
          parameters:
            - {name: region, type: string, description: Region, enum: [north, north-east, south]}
            - {name: year, type: integer, description: Year, examples: [2023, 2024], default: 2024}
          messages:
            - prompt: "Report for {{ region }} in {{ year }}"
        """);

    [Fact]
    public async Task Complete_PromptArgument_OffersEnumValuesByPrefix()
    {
        await using var server = await McpTestServer.StartAsync(writeProject: PromptWithChoices);
        await using var client = await server.ConnectAsync("2025-11-25");
        Assert.NotNull(client.ServerCapabilities.Completions);

        var region = await client.CompleteAsync(new PromptReference { Name = "report" }, "region", "NO", cancellationToken: Ct);
        Assert.Equal(["north", "north-east"], region.Completion.Values);
        var year = await client.CompleteAsync(new PromptReference { Name = "report" }, "year", "", cancellationToken: Ct);
        Assert.Equal(["2023", "2024"], year.Completion.Values);
        var unknown = await client.CompleteAsync(new PromptReference { Name = "nope" }, "x", "", cancellationToken: Ct);
        Assert.Empty(unknown.Completion.Values);
    }

    [Fact]
    public async Task Subscribe_ResourceChangedByReload_SendsResourceUpdated()
    {
        await using var server = await McpTestServer.StartAsync();
        await using var client = await server.ConnectAsync("2025-11-25");
        Assert.True(client.ServerCapabilities.Resources?.Subscribe);
        var updated = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.SubscribeToResourceAsync("web://info", (notification, _) =>
        {
            updated.TrySetResult(notification.Uri);
            return ValueTask.CompletedTask;
        }, cancellationToken: Ct);

        McpTestServer.Write(server.Root, "resources/info.yml", "resource:\n  uri: web://info\n  description: Static info, edited\n  source: {code: \"select 'edited' as name\"}\n");
        Assert.True(await server.Services.GetRequiredService<ProjectSnapshotProvider>().ReloadAsync(Ct));
        Assert.Equal("web://info", await updated.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        var read = await client.ReadResourceAsync("web://info", cancellationToken: Ct);
        Assert.Contains("edited", Assert.IsType<TextResourceContents>(Assert.Single(read.Contents)).Text);
    }
}
