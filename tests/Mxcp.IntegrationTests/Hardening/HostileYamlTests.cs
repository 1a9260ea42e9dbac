using System.Text;
using ModelContextProtocol.Protocol;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Hardening;

/// <summary>
/// Recursive aliases, alias bombs and deep nesting in project files, through a real `mxcp validate` and a real
/// reloading `mxcp serve`: each is an error naming the file, and a server keeps serving its last good project.
/// </summary>
public sealed class HostileYamlTests
{
    private const string RecursiveAlias = "mxcp: 1\ntool: &t {name: rec, self: *t}\n";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string AliasBomb()
    {
        var yaml = new StringBuilder("mxcp: 1\nl0: &l0 \"lol\"\n");
        for (var i = 1; i < 10; i++)
        {
            yaml.Append('l').Append(i).Append(": &l").Append(i).Append(" [").AppendJoin(", ", Enumerable.Repeat("*l" + (i - 1), 10)).Append("]\n");
        }

        return yaml.ToString();
    }

    private static TestProject Project()
    {
        var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: hostile\nprofile: dev\n");
        project.Write("tools/quick.yml", "tool:\n  name: quick\n  description: Quick\n  return: {type: integer}\n  source: {code: select 1 as one}\n");
        return project;
    }

    [Fact]
    public void Validate_RecursiveAlias_IsAnErrorNamingFileAndLine()
    {
        using var project = Project();
        project.Write("tools/rec.yml", RecursiveAlias);

        var result = project.Run("validate");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("tools/rec.yml:2:", result.Stdout);
        Assert.Contains("alias '*t' refers to the node that contains it", result.Stdout);
        Assert.DoesNotContain("Stack overflow", result.Stderr);
    }

    [Fact]
    public void Validate_AliasBomb_IsAnErrorNamingTheFile()
    {
        using var project = Project();
        project.Write("tools/bomb.yml", AliasBomb());

        var result = project.Run("validate");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("tools/bomb.yml:", result.Stdout);
        Assert.Contains("the document has more than 250,000 nodes (aliases included", result.Stdout);
    }

    [Fact]
    public void Validate_RecursiveAliasInSiteConfig_IsAnErrorNamingIt()
    {
        using var project = Project();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: hostile\nprofile: dev\nextensions: &e [*e]\n");

        var result = project.Run("validate");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("mxcp-site.yml:4:", result.Stdout + result.Stderr);
        Assert.Contains("alias '*e' refers to the node that contains it", result.Stdout + result.Stderr);
    }

    [Fact]
    public async Task Sighup_HostileFiles_ReloadFailsAndTheLastGoodProjectKeepsServing()
    {
        using var project = Project();
        await using var server = await ServeProcess.StartAsync(project);
        await using var client = await server.ConnectAsync("2025-11-25", cancellationToken: Ct);

        project.Write("tools/rec.yml", RecursiveAlias);
        project.Write("tools/bomb.yml", AliasBomb());
        project.Write("tools/deep.yml", new string('[', 100_000) + new string(']', 100_000));
        server.Signal("HUP");
        for (var i = 0; i < 300 && !server.Stderr.Contains("tools/deep.yml", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100, Ct);
        }

        Assert.Contains("tools/rec.yml:2:", server.Stderr);
        Assert.Contains("tools/bomb.yml:", server.Stderr);
        Assert.Contains("tools/deep.yml:1:", server.Stderr);
        var result = await client.CallToolAsync("quick", cancellationToken: Ct);
        Assert.Equal("1", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);

        // Still alive and still reloading: a good edit after the bad ones is applied.
        File.Delete(Path.Combine(project.Root, "tools", "rec.yml"));
        File.Delete(Path.Combine(project.Root, "tools", "bomb.yml"));
        File.Delete(Path.Combine(project.Root, "tools", "deep.yml"));
        project.Write("tools/quick.yml", "tool:\n  name: quick\n  description: Quick\n  return: {type: integer}\n  source: {code: select 2 as two}\n");
        server.Signal("HUP");
        string text = "";
        for (var i = 0; i < 100 && text != "2"; i++)
        {
            await Task.Delay(100, Ct);
            var again = await client.CallToolAsync("quick", cancellationToken: Ct);
            text = Assert.IsType<TextContentBlock>(Assert.Single(again.Content)).Text;
        }

        Assert.Equal("2", text);
    }
}
