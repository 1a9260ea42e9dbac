using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Runtime.Reload;
using Mxcp.Tests.Shared;

namespace Mxcp.Runtime.Tests.Audit;

/// <summary>The audit log of a running host: the host's <see cref="IAuditStore"/>, reloads, disabled audit.</summary>
public sealed class AuditLifecycleTests
{
    private const string Tool = """
        mxcp: 1
        tool:
          name: echo
          description: Echo.
          parameters:
            - {name: email, type: string, description: Email}
          source: {code: '{"ok": true}'}
        """;

    private static Dictionary<string, string> Files() => new() { ["tools/echo.yml"] = Tool };

    [Fact]
    public async Task HostAuditStore_WhileServing_ReturnsTheRecordsWithinASecondAndStats()
    {
        await using var harness = await AuditHarness.StartAsync("", Files());
        for (var i = 0; i < 3; i++)
        {
            await harness.CallAsync(EndpointKind.Tool, "echo", """{"email": "a@b.example"}""");
        }

        var store = harness.Services.GetRequiredService<IAuditStore>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        List<AuditRecord> records;
        do
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            records = await AuditStoreConformanceTests.QueryAsync(store, new AuditQuery { OperationNames = ["echo"] });
        }
        while (records.Count < 3 && DateTime.UtcNow < deadline);

        Assert.Equal(3, records.Count);
        Assert.Equal(3, (await store.GetStatsAsync(cancellationToken: TestContext.Current.CancellationToken)).ByType["tool"]);
    }

    [Fact]
    public async Task Reload_NewFieldRedactionsApplyAtOnce_BackendChangesWaitForARestart()
    {
        await using var harness = await AuditHarness.StartAsync("", Files());
        await harness.CallAsync(EndpointKind.Tool, "echo", """{"email": "ann.smith@corp.example"}""");

        harness.Project.Write("mxcp-site.yml", """
            mxcp: 1
            project: demo
            profile: dev
            profiles:
              dev:
                audit:
                  enabled: true
                  max_file_size: 1000000
                  field_redactions:
                    - {field_path: email, strategy: email}
            """);
        Assert.True(await harness.Services.GetRequiredService<ProjectSnapshotProvider>().ReloadAsync(TestContext.Current.CancellationToken));
        await harness.CallAsync(EndpointKind.Tool, "echo", """{"email": "ann.smith@corp.example"}""");

        var records = await harness.StopAndReadAsync();
        Assert.Equal(["ann.smith@corp.example", "a***@corp.example"], records.Select(r => (string)r["input_data"]!["email"]!));
        Assert.Contains(harness.Logs.Messages, m => m.Level == LogLevel.Warning && m.Message.Contains("apply when the server restarts", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AuditDisabled_NothingWrittenAndTheStoreIsEmpty()
    {
        await using var harness = await AuditHarness.StartAsync("", Files(), enabled: false);
        await harness.CallAsync(EndpointKind.Tool, "echo", """{"email": "a@b.example"}""");
        var store = harness.Services.GetRequiredService<IAuditStore>();
        Assert.Empty(await AuditStoreConformanceTests.QueryAsync(store, new AuditQuery()));
        Assert.Equal(0, (await store.GetStatsAsync(cancellationToken: TestContext.Current.CancellationToken)).TotalRecords);
        Assert.Empty(await harness.StopAndReadAsync());
        Assert.False(Directory.Exists(harness.AuditDirectory));
    }
}
