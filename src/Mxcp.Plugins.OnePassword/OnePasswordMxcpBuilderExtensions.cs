using Mxcp.Abstractions;
using Mxcp.Plugins.OnePassword;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the 1Password plugin on an Mxcp builder.</summary>
public static class OnePasswordMxcpBuilderExtensions
{
    /// <summary>
    /// Resolves <c>op://vault/item/field[?attribute=otp]</c> references in the user configuration:
    /// <c>services.AddMxcp().AddOnePassword()</c>. The Connect server or the op CLI and the tokens come from the
    /// configuration's <c>onepassword</c> block. Calling it more than once registers it once.
    /// </summary>
    /// <param name="builder">The Mxcp builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IMxcpBuilder AddOnePassword(this IMxcpBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        OnePasswordPlugin.AddServices(builder.Services);
        return builder;
    }
}
