using System.Text.Json;
using Mxcp.Plugins.Shared;

namespace Mxcp.Plugins.Vault;

/// <summary>
/// The <c>vault</c> block of the user configuration. <c>enabled</c>, <c>address</c> and <c>token_env</c> are MXCP's;
/// <c>namespace</c>, <c>timeout</c> and <c>approle</c> are ours.
/// </summary>
internal sealed record VaultSettings(Uri Address, string? Namespace, string TokenEnv, TimeSpan Timeout, AppRoleSettings? AppRole)
{
    public const string DefaultTokenEnv = "VAULT_TOKEN";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The server, for messages: <c>http://vault:8200</c>.</summary>
    public string Origin => ConfigSection.Origin(Address);

    /// <exception cref="InvalidOperationException">Vault is not enabled, or a setting is missing or wrong.</exception>
    public static VaultSettings Read(JsonElement userConfig)
    {
        var vault = ConfigSection.Of(userConfig, "vault");
        if (vault.Bool("enabled") != true)
        {
            throw new InvalidOperationException("Vault is not enabled: set vault.enabled: true and vault.address in the user configuration");
        }

        var address = vault.HttpUrl("address")
            ?? throw new InvalidOperationException("vault.address is not set: give the Vault server's URL, such as https://vault.internal:8200");
        var ns = vault.String("namespace");
        if (ns is not null && (ns.Trim().Length == 0 || ns.Any(char.IsControl)))
        {
            throw new InvalidOperationException("vault.namespace must be a namespace path such as team-a or org/team-a");
        }

        AppRoleSettings? appRole = null;
        var approle = vault.Section("approle");
        if (approle.IsPresent)
        {
            var mount = (approle.String("mount") ?? "approle").Trim('/');
            if (mount.Length == 0 || mount.Split('/').Any(s => s is "" or "." or ".."))
            {
                throw new InvalidOperationException("vault.approle.mount must be the auth method's mount path, such as approle");
            }

            appRole = new AppRoleSettings(
                mount,
                approle.EnvironmentVariableName("role_id_env", "VAULT_ROLE_ID"),
                approle.EnvironmentVariableName("secret_id_env", "VAULT_SECRET_ID"));
        }

        return new VaultSettings(
            address,
            string.IsNullOrWhiteSpace(ns) ? null : ns.Trim().Trim('/'),
            vault.EnvironmentVariableName("token_env", DefaultTokenEnv),
            vault.Seconds("timeout", max: 300) ?? DefaultTimeout,
            appRole);
    }

    /// <summary>The URL of <c>/v1/<paramref name="apiPath"/></c>, keeping any path prefix of the address.</summary>
    public Uri Url(string apiPath) => new(Address.AbsoluteUri.TrimEnd('/') + "/v1/" + apiPath);
}

/// <summary><c>vault.approle</c>: log in with a role ID and a secret ID instead of a token.</summary>
internal sealed record AppRoleSettings(string Mount, string RoleIdEnv, string SecretIdEnv);
