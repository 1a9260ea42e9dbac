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
        Assert.Single(builder.Services, d => d.ServiceType == typeof(DuckDbDataSource));
        using var services = builder.Services.BuildServiceProvider();
        var provider = Assert.Single(services.GetServices<IEndpointExecutorProvider>());
        Assert.Equal("sql", provider.Language);
        Assert.Equal(0, provider.Order);
    }

    [Fact]
    public void AddDuckDb_DataSource_OneInstanceAlsoKeyedAsDbDataSource()
    {
        var builder = new Builder();
        builder.AddDuckDb();
        using var services = builder.Services.BuildServiceProvider();
        var dataSource = services.GetRequiredService<DuckDbDataSource>();
        Assert.Same(dataSource, services.GetRequiredKeyedService<System.Data.Common.DbDataSource>(DuckDbDataSource.ServiceKey));
        var error = Assert.Throws<InvalidOperationException>(() => dataSource.OpenConnection());
        Assert.StartsWith("No project with a DuckDB database is loaded", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Name_IsDuckDb() => Assert.Equal("DuckDb", new DuckDbPlugin().Name);
}
