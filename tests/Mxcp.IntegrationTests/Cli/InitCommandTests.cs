using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Cli;

public sealed class InitCommandTests
{
    [Fact]
    public void Init_Bootstrap_CreatesARunnableProject()
    {
        using var workspace = TestProject.Empty();
        var init = workspace.Run("init", "demo", "--bootstrap");
        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Contains("Created MXCP project 'demo' (profile 'default')", init.Stdout);

        var demo = Path.Combine(workspace.Root, "demo");
        Assert.Equal("mxcp: 1\nproject: \"demo\"\nprofile: \"default\"\n", File.ReadAllText(Path.Combine(demo, "mxcp-site.yml")));
        foreach (var folder in (string[])["tools", "resources", "prompts", "evals", "python", "plugins", "sql", "drift", "audit", "data"])
        {
            Assert.True(Directory.Exists(Path.Combine(demo, folder)), folder);
        }

        Assert.True(File.Exists(Path.Combine(demo, "data", "db-default.duckdb")));
        Assert.Contains("$name", File.ReadAllText(Path.Combine(demo, "sql", "hello-world.sql")));

        var run = workspace.RunIn(demo, "run", "tool", "hello_world", "--param", "name=Ann");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("Hello, Ann!", run.Stdout.Trim());

        var json = workspace.RunIn(demo, "run", "tool", "hello_world", "--param", "name=Ann", "--json-output");
        Assert.Equal("""{"status":"ok","result":"Hello, Ann!"}""", System.Text.Json.JsonSerializer.Serialize(json.Json));
    }

    [Fact]
    public void Init_InsideAProject_RefusesWithExit1()
    {
        using var workspace = TestProject.Empty();
        Assert.Equal(0, workspace.Run("init", "outer").ExitCode);
        var nested = workspace.RunIn(Path.Combine(workspace.Root, "outer"), "init", "inner");
        Assert.Equal(1, nested.ExitCode);
        Assert.StartsWith("Error: Cannot create a project here:", nested.Stderr);
        Assert.Contains("projects cannot be nested", nested.Stderr);
        Assert.False(Directory.Exists(Path.Combine(workspace.Root, "outer", "inner")));
    }

    [Fact]
    public void Init_ProfileOption_NamesTheDatabase()
    {
        using var workspace = TestProject.Empty();
        var init = workspace.Run("init", "p", "--profile", "prod", "--project", "analytics");
        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Contains("project: \"analytics\"", File.ReadAllText(Path.Combine(workspace.Root, "p", "mxcp-site.yml")));
        Assert.True(File.Exists(Path.Combine(workspace.Root, "p", "data", "db-prod.duckdb")));
    }
}
