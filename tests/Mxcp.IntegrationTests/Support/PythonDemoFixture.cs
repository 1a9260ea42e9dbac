namespace Mxcp.IntegrationTests.Support;

/// <summary>One set-up copy of samples/python-demo, with its user configuration (MXCP_CONFIG=config.yml).</summary>
public sealed class PythonDemoFixture : IDisposable
{
    private readonly Lazy<TestProject> _project = new(() =>
    {
        var project = TestProject.Sample("python-demo");
        project.Environment["MXCP_CONFIG"] = System.IO.Path.Combine(project.Root, "config.yml");
        return project;
    });

    internal TestProject Project => _project.Value;

    public void Dispose()
    {
        if (_project.IsValueCreated)
        {
            _project.Value.Dispose();
        }
    }
}
