using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.Vault;

/// <summary>
/// The HashiCorp Vault plugin: resolves <c>vault://mount/path#key</c> references in the user configuration from a KV v2
/// or KV v1 secrets engine, with a token (<c>vault.token_env</c>, default <c>VAULT_TOKEN</c>) or an AppRole login
/// (<c>vault.approle</c>). References are read again on every load and reload, so a rotated secret is picked up.
/// </summary>
public sealed class VaultPlugin : IMxcpPlugin
{
    /// <inheritdoc />
    public string Name => "Vault";

    /// <inheritdoc />
    public void ConfigureServices(IServiceCollection services) => AddServices(services);

    internal static void AddServices(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISecretProvider, VaultSecretProvider>());
    }
}
