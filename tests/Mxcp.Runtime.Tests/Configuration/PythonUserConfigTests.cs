using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Tests.TestSupport;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Tests.Configuration;

/// <summary>The <c>python</c> key of a user profile (the Python plugin's workers), checked with file and line.</summary>
public sealed class PythonUserConfigTests
{
    private static readonly ProjectConfigurationLoader Loader = new([]);

    private static Task<ProjectConfiguration> LoadAsync(TempProject project, string python)
    {
        var user = project.Write("user.yml", "mxcp: 1\nprojects:\n  demo:\n    profiles:\n      dev:\n        python:\n" + python);
        project.Env["MXCP_CONFIG"] = user;
        return Loader.LoadAsync(project.Options(), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task LoadAsync_PythonSection_IsReadAndReachesPluginsAsJson()
    {
        using var project = new TempProject();
        var config = await LoadAsync(project, "          workers: 2\n          interpreter: /usr/bin/python3\n          timeout: 0\n          threads: 16\n          startup_timeout: 30\n          hang_timeout: 5.5\n");

        var python = config.UserProfile.Python!;
        Assert.Equal(2, python.Workers);
        Assert.Equal("/usr/bin/python3", python.Interpreter);
        Assert.Equal(0, python.Timeout);
        Assert.Equal(16, python.Threads);
        Assert.Equal(30, python.StartupTimeout);
        Assert.Equal(5.5, python.HangTimeout);
        Assert.Equal(2, config.UserJson.GetProperty("projects").GetProperty("demo").GetProperty("profiles").GetProperty("dev").GetProperty("python").GetProperty("workers").GetInt32());
    }

    [Theory]
    [InlineData("          workers: 0\n", "7:20: projects.demo.profiles.dev.python.workers: must be at least 1, got 0")]
    [InlineData("          workers: 100\n", "7:20: projects.demo.profiles.dev.python.workers: must be at most 64, got 100")]
    [InlineData("          timeout: -3\n", "7:20: projects.demo.profiles.dev.python.timeout: expected a number of seconds (0 for no limit), got -3")]
    [InlineData("          hang_timeout: 0\n", "7:25: projects.demo.profiles.dev.python.hang_timeout: expected a number of seconds greater than 0, got 0")]
    [InlineData("          interpreter: ''\n", "7:24: projects.demo.profiles.dev.python.interpreter: must not be empty (a command such as python3, or a path)")]
    [InlineData("          worker: 2\n", "7:11: projects.demo.profiles.dev.python: unknown key 'worker' (did you mean 'workers'?)")]
    public async Task LoadAsync_InvalidPythonValue_NamesFileLineAndKey(string python, string expected)
    {
        using var project = new TempProject();

        var e = await Assert.ThrowsAsync<ProjectFileException>(() => LoadAsync(project, python));

        Assert.EndsWith("user.yml:" + expected, e.Message, StringComparison.Ordinal);
    }
}
