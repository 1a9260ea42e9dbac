using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.Python;

/// <summary>
/// The Python plugin: provides the <c>python</c> language. Endpoints run in CPython worker processes started by the
/// host (the machine's <c>python3</c> by default); the <c>mxcp.runtime</c> module they import ships with the plugin.
/// </summary>
public sealed class PythonPlugin : IMxcpPlugin
{
    /// <inheritdoc />
    public string Name => "Python";

    /// <inheritdoc />
    public void ConfigureServices(IServiceCollection services) => AddServices(services);

    internal static void AddServices(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IEndpointExecutorProvider, PythonExecutorProvider>());
    }
}
