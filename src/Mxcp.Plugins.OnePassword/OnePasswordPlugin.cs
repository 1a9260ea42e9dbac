using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.OnePassword;

/// <summary>
/// The 1Password plugin: resolves <c>op://vault/item/field</c> and <c>op://vault/item/field?attribute=otp</c>
/// references in the user configuration from a 1Password Connect server (<c>onepassword.connect_host</c>) or with the
/// op CLI and a service-account token (<c>onepassword.token_env</c>, default <c>OP_SERVICE_ACCOUNT_TOKEN</c>).
/// References are read again on every load and reload, so a rotated secret is picked up.
/// </summary>
public sealed class OnePasswordPlugin : IMxcpPlugin
{
    /// <inheritdoc />
    public string Name => "OnePassword";

    /// <inheritdoc />
    public void ConfigureServices(IServiceCollection services) => AddServices(services);

    internal static void AddServices(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISecretProvider, OnePasswordSecretProvider>());
    }
}
