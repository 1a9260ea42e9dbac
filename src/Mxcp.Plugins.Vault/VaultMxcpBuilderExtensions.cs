using Mxcp.Abstractions;
using Mxcp.Plugins.Vault;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the HashiCorp Vault plugin on an Mxcp builder.</summary>
public static class VaultMxcpBuilderExtensions
{
    /// <summary>
    /// Resolves <c>vault://mount/path#key</c> references in the user configuration: <c>services.AddMxcp().AddVault()</c>.
    /// The server and credentials come from the configuration's <c>vault</c> block. Calling it more than once
    /// registers it once.
    /// </summary>
    /// <param name="builder">The Mxcp builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IMxcpBuilder AddVault(this IMxcpBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        VaultPlugin.AddServices(builder.Services);
        return builder;
    }
}
