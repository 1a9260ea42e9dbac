using Microsoft.Extensions.DependencyInjection;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.DuckDb.Tests;

/// <summary>How hosts add the plugin.</summary>
public sealed class PluginRegistrationTests
{
    private sealed class Builder : IMxcpBuilder
    {
        public IServiceCollection Services { get; } = new ServiceCollection();
    }

    [Fact]
    public void AddDuckDb_CalledTwice_OneSqlProviderRegistered()
    {
        var builder = new Builder();
        builder.AddDuckDb().AddDuckDb();
        new DuckDbPlugin().ConfigureServices(builder.Services);
        var registration = Assert.Single(builder.Services, d => d.ServiceType == typeof(IEndpointExecutorProvider));
        Assert.Equal(ServiceLifetime.Singleton, registration.Lifetime);
        var provider = (IEndpointExecutorProvider)Activator.CreateInstance(registration.ImplementationType!)!;
        Assert.Equal("sql", provider.Language);
        Assert.Equal(0, provider.Order);
    }

    [Fact]
    public void Name_IsDuckDb() => Assert.Equal("DuckDb", new DuckDbPlugin().Name);
}
