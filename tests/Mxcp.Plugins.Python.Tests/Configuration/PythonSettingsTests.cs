using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Plugins.Python.Configuration;

namespace Mxcp.Plugins.Python.Tests.Configuration;

public sealed class PythonSettingsTests
{
    [Fact]
    public void From_NoPythonSection_UsesTheDefaults()
    {
        var settings = PythonSettings.From(Context(null));

        Assert.Equal(1, settings.Workers);
        Assert.Equal("python3", settings.Interpreter);
        Assert.Equal(TimeSpan.FromSeconds(300), settings.CallTimeout);
        Assert.Equal(32, settings.Threads);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.StartupTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.HangTimeout);
    }

    [Fact]
    public void From_EveryKey_IsRead()
    {
        var settings = PythonSettings.From(Context(new JsonObject
        {
            ["workers"] = 3, ["interpreter"] = ".venv/bin/python", ["timeout"] = 0, ["threads"] = 8, ["startup_timeout"] = 5.5, ["hang_timeout"] = 10,
        }));

        Assert.Equal(3, settings.Workers);
        Assert.Null(settings.CallTimeout);
        Assert.Equal(8, settings.Threads);
        Assert.Equal(TimeSpan.FromSeconds(5.5), settings.StartupTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.HangTimeout);
        Assert.Equal(Path.Combine("/srv/project", ".venv/bin/python"), settings.ResolveInterpreter("/srv/project"));
        Assert.Equal("python3", new PythonSettings().ResolveInterpreter("/srv/project"));
    }

    [Theory]
    [InlineData("""{"workers": 0}""", "projects.demo.profiles.dev.python.workers: expected a whole number from 1 to 64, got 0")]
    [InlineData("""{"timeout": -1}""", "projects.demo.profiles.dev.python.timeout: expected a number of seconds (0 for no limit), got -1")]
    [InlineData("""{"hang_timeout": 0}""", "projects.demo.profiles.dev.python.hang_timeout: expected a number of seconds greater than 0, got 0")]
    [InlineData("""{"interpreter": ""}""", "projects.demo.profiles.dev.python.interpreter: expected the interpreter command or path, got \"\"")]
    [InlineData("""{"worker": 2}""", "projects.demo.profiles.dev.python.worker: unknown key (expected workers, interpreter, timeout, threads, startup_timeout or hang_timeout)")]
    public void From_InvalidValue_NamesTheKey(string json, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => PythonSettings.From(Context(JsonNode.Parse(json)!.AsObject())));

        Assert.Equal(message, error.Message);
    }

    private static ProjectRuntimeContext Context(JsonObject? python)
    {
        var profile = new JsonObject();
        if (python is not null)
        {
            profile["python"] = python;
        }

        return new ProjectRuntimeContext
        {
            ProjectRoot = "/srv/project",
            ProjectName = "demo",
            Profile = "dev",
            SiteConfig = JsonSerializer.SerializeToElement(new JsonObject()),
            UserConfig = JsonSerializer.SerializeToElement(new JsonObject { ["projects"] = new JsonObject { ["demo"] = new JsonObject { ["profiles"] = new JsonObject { ["dev"] = profile } } } }),
            Services = new EmptyServices(),
        };
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
