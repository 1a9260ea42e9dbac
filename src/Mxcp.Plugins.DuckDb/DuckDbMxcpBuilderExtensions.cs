using Mxcp.Abstractions;
using Mxcp.Plugins.DuckDb;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the DuckDB plugin on an Mxcp builder.</summary>
public static class DuckDbMxcpBuilderExtensions
{
    /// <summary>
    /// Adds the <c>sql</c> language backed by DuckDB: <c>services.AddMxcp().AddDuckDb()</c>. Calling it more than
    /// once registers it once.
    /// </summary>
    /// <param name="builder">The Mxcp builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IMxcpBuilder AddDuckDb(this IMxcpBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        DuckDbPlugin.AddServices(builder.Services);
        return builder;
    }
}
