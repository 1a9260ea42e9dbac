using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Mcp;

/// <summary>Policies seen by an MCP client (anonymous over stdio: role "anonymous", no permissions).</summary>
public sealed class PolicyOverMcpTests(PolicyProjectFixture fixture) : IClassFixture<PolicyProjectFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DeniedCall_IsAToolErrorWithTheReason()
    {
        await using var client = await StdioServer.ConnectAsync(fixture.Project, Ct);
        var result = await client.CallToolAsync("employee_info", new Dictionary<string, object?> { ["employee_id"] = "ceo" }, cancellationToken: Ct);
        Assert.True(result.IsError);
        Assert.Equal("Policy enforcement failed: Only admins can view the CEO", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public async Task FilteredAndMaskedResult_ReachesTheClient()
    {
        await using var client = await StdioServer.ConnectAsync(fixture.Project, Ct);
        var result = await client.CallToolAsync("employee_info", new Dictionary<string, object?> { ["employee_id"] = "e7" }, cancellationToken: Ct);
        Assert.NotEqual(true, result.IsError);
        var employee = result.StructuredContent!.Value;
        Assert.Equal("e7", employee.GetProperty("id").GetString());
        Assert.False(employee.TryGetProperty("salary", out _));
        Assert.Equal("****", employee.GetProperty("email").GetString());
        Assert.DoesNotContain("123-45-6789", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public async Task FailClosedError_DeniesOverMcpToo()
    {
        await using var client = await StdioServer.ConnectAsync(fixture.Project, Ct);
        var result = await client.CallToolAsync("team_report", new Dictionary<string, object?> { ["team"] = "blue" }, cancellationToken: Ct);
        Assert.True(result.IsError);
        Assert.Equal("Policy enforcement failed: Policy evaluation failed for input[0]: no such key 'team'", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }
}
