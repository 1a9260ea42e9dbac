using System.Text.Json;
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
        Assert.Contains("✓ Created mxcp-site.yml", init.Stdout);
        Assert.Contains("✓ Initialized DuckDB database", init.Stdout);
        Assert.Contains("✨ MXCP project initialized successfully!", init.Stdout);
        Assert.Contains("mxcp run tool hello_world --param name=World", init.Stdout);

        // No answer to the Claude Desktop question (stdin closed) is no.
        Assert.Contains("Skipped Claude Desktop configuration generation", init.Stdout);
        Assert.Contains("Run 'mxcp init .' again to generate server_config.json", init.Stdout);

        var demo = Path.Combine(workspace.Root, "demo");
        Assert.False(File.Exists(Path.Combine(demo, "server_config.json")));
        Assert.Equal("mxcp: 1\nprofile: default\nproject: demo\n", File.ReadAllText(Path.Combine(demo, "mxcp-site.yml")));
        foreach (var folder in (string[])["tools", "resources", "prompts", "evals", "python", "plugins", "sql", "drift", "audit", "data"])
        {
            Assert.True(Directory.Exists(Path.Combine(demo, folder)), folder);
        }

        Assert.True(File.Exists(Path.Combine(demo, "data", "db-default.duckdb")));
        Assert.Equal("SELECT 'Hello, ' || $name || '!' as greeting\n", File.ReadAllText(Path.Combine(demo, "sql", "hello-world.sql")));
        var tool = File.ReadAllText(Path.Combine(demo, "tools", "hello-world.yml"));
        Assert.Contains("  source:\n    file: ../sql/hello-world.sql\n", tool);
        Assert.Contains("    examples:\n    - World\n    - Alice\n    - Bob\n", tool);

        var run = workspace.RunIn(demo, "run", "tool", "hello_world", "--param", "name=Ann");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("Hello, Ann!", run.Stdout.Trim());

        var json = workspace.RunIn(demo, "run", "tool", "hello_world", "--param", "name=Ann", "--json-output");
        Assert.Equal("""{"status":"ok","result":"Hello, Ann!"}""", JsonSerializer.Serialize(json.Json));
    }

    [Fact]
    public void Init_AnswerYes_WritesServerConfigForClaudeDesktop()
    {
        using var workspace = TestProject.Empty();
        var init = workspace.RunWithInput("y\n", "init", "demo");
        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Contains("✓ Generated server_config.json for Claude Desktop", init.Stdout);
        Assert.Contains("Generated configuration:", init.Stdout);

        var demo = Path.Combine(workspace.Root, "demo");
        var server = JsonDocument.Parse(File.ReadAllText(Path.Combine(demo, "server_config.json"))).RootElement.GetProperty("mcpServers").GetProperty("demo");
        Assert.Equal(["serve", "--transport", "stdio"], server.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(demo, server.GetProperty("cwd").GetString());
        Assert.Equal(MxcpExecutable.Path, server.GetProperty("command").GetString());
    }

    [Fact]
    public void Init_InsideAProject_RefusesWithExit1()
    {
        using var workspace = TestProject.Empty();
        Assert.Equal(0, workspace.Run("init", "outer").ExitCode);
        var nested = workspace.RunIn(Path.Combine(workspace.Root, "outer"), "init", "inner");
        Assert.Equal(1, nested.ExitCode);
        Assert.StartsWith("Error: Cannot create a MXCP repository inside another one", nested.Stderr);
        Assert.False(Directory.Exists(Path.Combine(workspace.Root, "outer", "inner")));
    }

    [Fact]
    public void Init_InsideALegacyProject_RefusesWithTheMigrationSteps()
    {
        using var workspace = TestProject.Empty();
        workspace.Write("old/mxcp-site.yml", "mxcp: \"1.0.0\"\nproject: old\nprofile: default\n");
        var nested = workspace.Run("init", "old/new");
        Assert.Equal(1, nested.ExitCode);
        Assert.Contains("Cannot create a MXCP repository inside another one", nested.Stderr);
        Assert.Contains("🚨 MIGRATION REQUIRED", nested.Stderr);
        Assert.Contains("NEW structure:", nested.Stderr);

        var list = workspace.RunIn(Path.Combine(workspace.Root, "old"), "list");
        Assert.Equal(1, list.ExitCode);
        Assert.Contains("🚨 MIGRATION REQUIRED", list.Stderr);
        Assert.Contains("tools/", list.Stderr);
        Assert.Contains("resources/", list.Stderr);
    }

    [Fact]
    public void Init_ProjectAlreadyInUserConfig_AsksAndStopsOnNo()
    {
        using var workspace = TestProject.Empty();
        workspace.Write(".home/.mxcp/config.yml", "mxcp: 1\nprojects:\n  analytics:\n    profiles:\n      default: {}\n");
        var init = workspace.RunWithInput("n\n", "init", "p", "--project", "analytics");
        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Contains("Project 'analytics' already exists in your config. Continue? [y/N]", init.Stdout);
        Assert.False(File.Exists(Path.Combine(workspace.Root, "p", "mxcp-site.yml")));
    }

    [Fact]
    public void Init_ProfileOption_NamesTheDatabase()
    {
        using var workspace = TestProject.Empty();
        var init = workspace.Run("init", "p", "--profile", "prod", "--project", "analytics");
        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.Contains("project: analytics", File.ReadAllText(Path.Combine(workspace.Root, "p", "mxcp-site.yml")));
        Assert.True(File.Exists(Path.Combine(workspace.Root, "p", "data", "db-prod.duckdb")));
    }
}
