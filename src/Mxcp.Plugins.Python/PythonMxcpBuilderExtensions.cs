using Mxcp.Abstractions;
using Mxcp.Plugins.Python;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Python plugin on an Mxcp builder.</summary>
public static class PythonMxcpBuilderExtensions
{
    /// <summary>
    /// Adds the <c>python</c> language: <c>services.AddMxcp().AddDuckDb().AddPython()</c>. Python endpoints reach the
    /// database through the SQL executor, so add DuckDB too. Calling it more than once registers it once.
    /// </summary>
    /// <param name="builder">The Mxcp builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IMxcpBuilder AddPython(this IMxcpBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        PythonPlugin.AddServices(builder.Services);
        return builder;
    }
}
