using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.DuckDb;

/// <summary>
/// The DuckDB plugin: provides the <c>sql</c> language (SQL endpoints, the built-in SQL tools and the project's
/// <see cref="ISqlDatabase"/>) on top of DuckDB 1.5, and <see cref="DuckDbDataSource"/> for ADO.NET access to the
/// project's database.
/// </summary>
public sealed class DuckDbPlugin : IMxcpPlugin
{
    /// <inheritdoc />
    public string Name => "DuckDb";

    /// <inheritdoc />
    public void ConfigureServices(IServiceCollection services) => AddServices(services);

    internal static void AddServices(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(static _ => new DuckDbDataSource());
        services.TryAddKeyedSingleton<DbDataSource>(DuckDbDataSource.ServiceKey, static (provider, _) => provider.GetRequiredService<DuckDbDataSource>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEndpointExecutorProvider, DuckDbExecutorProvider>());
    }
}
