namespace Mxcp.IntegrationTests.Support;

/// <summary>One set-up copy of samples/sales shared by the tests of a class (they only read it).</summary>
public sealed class SalesSampleFixture : IDisposable
{
    private readonly Lazy<TestProject> _project = new(() => TestProject.Sample("sales"));

    internal TestProject Project => _project.Value;

    public void Dispose()
    {
        if (_project.IsValueCreated)
        {
            _project.Value.Dispose();
        }
    }
}
