using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Hardening;

/// <summary>
/// An encoded '/' or NUL in a single-segment resource template variable is refused, over MCP and through `mxcp run`,
/// instead of reaching SQL that builds a file path from it.
/// </summary>
public sealed class ResourceUriTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static TestProject Project()
    {
        var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: files\nprofile: dev\n");
        project.Write("data/report.txt", "inside");
        project.Write("outside.txt", "SECRET OUTSIDE");
        project.Write("resources/files.yml", """
            mxcp: 1
            resource:
              uri: "files://{name}"
              description: A file of data/
              mime_type: text/plain
              parameters:
                - {name: name, type: string, description: The file name}
              return: {type: string}
              source: {code: "select content from read_text('data/' || $name)"}
            """);
        return project;
    }

    [Theory]
    [InlineData("files://..%2Foutside.txt")]
    [InlineData("files://%2e%2e%2foutside.txt")]
    [InlineData("files://report.txt%00")]
    public async Task ReadResource_EncodedSlashOrNul_IsRefusedWithAClearError(string uri)
    {
        using var project = Project();
        await using var server = await ServeProcess.StartAsync(project);
        await using var client = await server.ConnectAsync("2025-11-25", cancellationToken: Ct);

        var good = await client.ReadResourceAsync("files://report.txt", cancellationToken: Ct);
        var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync(uri, cancellationToken: Ct).AsTask());

        Assert.Equal("inside", Assert.IsType<TextResourceContents>(Assert.Single(good.Contents)).Text);
        Assert.Equal(McpErrorCode.InvalidParams, error.ErrorCode);
        Assert.Contains("{name} is one path segment of files://{name}", error.Message);
        Assert.DoesNotContain("SECRET", error.Message);
    }

    [Fact]
    public void Run_EncodedSlash_IsRefused()
    {
        using var project = Project();

        var result = project.Run("run", "resource", "files://..%2Foutside.txt");

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains("Invalid resource URI 'files://..%2Foutside.txt': {name} is one path segment of files://{name}, but its value contains a '/' once decoded", result.Stderr + result.Stdout);
        Assert.DoesNotContain("SECRET", result.Stdout);
    }
}
