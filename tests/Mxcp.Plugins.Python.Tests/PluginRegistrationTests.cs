using Microsoft.Extensions.DependencyInjection;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.Python.Tests;

public sealed class PluginRegistrationTests
{
    [Fact]
    public void AddPython_Twice_RegistersThePythonLanguageOnce()
    {
        var services = new ServiceCollection();
        var builder = new Builder(services);

        builder.AddPython().AddPython();
        new PythonPlugin().ConfigureServices(services);

        var provider = Assert.Single(services.BuildServiceProvider().GetServices<IEndpointExecutorProvider>());
        Assert.Equal("python", provider.Language);
        Assert.True(provider.Order > 0);
        Assert.Equal("Python", new PythonPlugin().Name);
    }

    [Fact]
    public void WorkerScript_ShipsNextToThePluginAssembly()
    {
        Assert.True(File.Exists(PythonExecutorProvider.WorkerScript));
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(PythonExecutorProvider.WorkerScript)!, "mxcp", "runtime", "__init__.py")));
    }

    private sealed class Builder(IServiceCollection services) : IMxcpBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
