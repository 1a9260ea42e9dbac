using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.AspNetCore.Tests.Support;

namespace Mxcp.AspNetCore.Tests.Http;

/// <summary>The official C# client against every session mode and protocol version.</summary>
public sealed class SessionModeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(MxcpSessionMode.Hybrid, null, "2026-07-28", false)]
    [InlineData(MxcpSessionMode.Hybrid, "2025-11-25", "2025-11-25", true)]
    [InlineData(MxcpSessionMode.Hybrid, "2025-06-18", "2025-06-18", true)]
    [InlineData(MxcpSessionMode.Hybrid, "2025-03-26", "2025-03-26", true)]
    [InlineData(MxcpSessionMode.Stateful, null, "2025-11-25", true)]
    [InlineData(MxcpSessionMode.Stateful, "2025-06-18", "2025-06-18", true)]
    [InlineData(MxcpSessionMode.Stateless, null, "2026-07-28", false)]
    [InlineData(MxcpSessionMode.Stateless, "2025-11-25", "2025-11-25", false)]
    public async Task Client_ListsAndCalls_InEveryModeAndVersion(MxcpSessionMode mode, string? requested, string negotiated, bool hasSession)
    {
        await using var server = await McpTestServer.StartAsync(o => o.SessionMode = mode);
        await using var client = await server.ConnectAsync(requested);
        Assert.Equal(negotiated, client.NegotiatedProtocolVersion);
        Assert.Equal(hasSession, client.SessionId is not null);

        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        Assert.Contains(tools, t => t.Name == "echo");
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "héllo" }, cancellationToken: Ct);
        Assert.Equal("héllo", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);

        var resource = await client.ReadResourceAsync("web://info", cancellationToken: Ct);
        Assert.Contains("web", Assert.IsType<TextResourceContents>(Assert.Single(resource.Contents)).Text);
    }

    [Fact]
    public async Task LegacySse_Client_CallsTools()
    {
        await using var server = await McpTestServer.StartAsync(o => o.EnableLegacySse = true);
        await using var client = await server.ConnectAsync("2024-11-05", HttpTransportMode.Sse, path: "/mcp/sse");
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "over sse" }, cancellationToken: Ct);
        Assert.Equal("over sse", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Contains(server.Sessions.Sessions, s => s.Transport == "sse");
    }

    [Fact]
    public async Task StatefulSession_ConcurrentCalls_AllAnswered()
    {
        await using var server = await McpTestServer.StartAsync();
        await using var client = await server.ConnectAsync("2025-11-25");
        var calls = Enumerable.Range(0, 20).Select(i => client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = $"m{i}" }, cancellationToken: Ct).AsTask()).ToList();
        var results = await Task.WhenAll(calls);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"m{i}"), results.Select(r => Assert.IsType<TextContentBlock>(Assert.Single(r.Content)).Text));
    }
}
