using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Cli;

/// <summary><c>mxcp dbt</c> with and without dbt on PATH (a stand-in script), and <c>mxcp dbt-config</c>'s files.</summary>
public sealed class DbtCommandTests
{
    private static TestProject Project()
    {
        var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: my-proj\nprofile: dev\n");
        project.Write(".home/.mxcp/config.yml", """
            mxcp: 1
            projects:
              my-proj:
                profiles:
                  dev:
                    secrets:
                      - {name: api, type: http, parameters: {BEARER_TOKEN: tok-123}}
            """);
        return project;
    }

    [Fact]
    public void Dbt_NotOnPath_SaysItMustBeInstalledExit1()
    {
        using var project = Project();
        var result = project.RunWith(new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" }, "dbt", "run");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("dbt CLI is not installed or not available in PATH.", result.Stdout);
        Assert.Contains("Install with: pip install dbt-core dbt-duckdb", result.Stdout);
        Assert.Equal("Error: dbt CLI is not installed. Please install dbt-core and dbt-duckdb.", result.Stderr.Trim());
    }

    [Fact]
    public void Dbt_OnPath_RunsItInTheProjectWithSecretsAndItsExitCode()
    {
        using var project = Project();
        var bin = Path.Combine(project.Root, "bin");
        var script = project.Write("bin/dbt", "#!/bin/sh\necho \"args: $*\"\necho \"cwd: $(pwd)\"\necho \"token: $MXCP_SECRET_API_BEARER_TOKEN\"\nexit 3\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var result = project.RunWith(new Dictionary<string, string> { ["PATH"] = bin + ":/usr/bin:/bin" }, "dbt", "run", "--select", "my_model");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("args: run --select my_model", result.Stdout);
        Assert.Contains($"cwd: {project.Root}", result.Stdout);
        Assert.Contains("token: tok-123", result.Stdout);
        Assert.Contains("❌ dbt command failed with exit code: 3", result.Stdout);
    }

    [Fact]
    public void DbtConfig_WritesProfileAndProjectThenNeedsForce()
    {
        using var project = Project();
        var result = project.RunWith(new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" }, "dbt-config");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("⚠️  Warning: dbt CLI is not installed or not available in PATH.", result.Stdout);

        var profiles = File.ReadAllText(Path.Combine(project.Home, ".dbt", "profiles.yml"));
        Assert.Contains("my_proj_dev:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n", profiles);
        Assert.Contains($"path: {Path.Combine(project.Root, "data", "db-dev.duckdb")}", profiles);
        Assert.Contains("env_var('MXCP_SECRET_API_BEARER_TOKEN')", profiles);
        Assert.DoesNotContain("tok-123", profiles);
        Assert.Contains("profile: my_proj_dev", File.ReadAllText(Path.Combine(project.Root, "dbt_project.yml")));

        var again = project.Run("dbt-config");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("Profile 'my_proj_dev' already exists", again.Stderr);
        var embedWithoutForce = project.Run("dbt-config", "--embed-secrets");
        Assert.Equal(1, embedWithoutForce.ExitCode);
        Assert.Contains("--embed-secrets requires --force to be set", embedWithoutForce.Stderr);

        var dryRun = project.Run("dbt-config", "--force", "--embed-secrets", "--dry-run");
        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Contains("'Authorization': 'Bearer tok-123'", dryRun.Stdout);
        Assert.DoesNotContain("tok-123", File.ReadAllText(Path.Combine(project.Home, ".dbt", "profiles.yml")));
    }
}
