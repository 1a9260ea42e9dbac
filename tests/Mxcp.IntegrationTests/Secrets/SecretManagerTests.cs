using System.Security.Cryptography;
using System.Text;
using ModelContextProtocol.Client;
using Mxcp.IntegrationTests.Support;
using Mxcp.Tests.Shared;

namespace Mxcp.IntegrationTests.Secrets;

/// <summary>
/// The published `mxcp` with its plugins/Vault and plugins/OnePassword: a user configuration whose secrets are
/// `vault://` and `op://` references, served to a Python tool, rotated and reloaded with SIGHUP. Vault and 1Password
/// Connect are loopback servers in this test process that speak their documented HTTP APIs.
/// </summary>
public sealed class SecretManagerTests : IAsyncLifetime
{
    private const string VaultToken = "hvs.e2e-Vault-token-71c";
    private const string ConnectToken = "connect-e2e-Token-5d0";
    private const string VaultId = "q2ma4lquvwnv5dmo7uxbq7bdxa";
    private const string ItemId = "m5tvrslt6anhkbxygfgkflgzqi";

    private readonly TestProject _project = TestProject.Empty();
    private LoopbackVault _vault = null!;
    private LoopbackOnePasswordConnect _connect = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string UserConfig => Path.Combine(_project.Root, "config", "user.yml");

    public async ValueTask InitializeAsync()
    {
        _vault = await LoopbackVault.StartAsync();
        _vault.AddToken(VaultToken);
        _vault.Mount("secret", version: 2);
        _vault.Put("secret", "app", new { db_password = "db-Pa55-v1" });
        _connect = await LoopbackOnePasswordConnect.StartAsync();
        _connect.AddVault(VaultId, "Production");
        _connect.AddToken(ConnectToken, VaultId);
        PutStripe("sk_live_v1");

        _project.Write("mxcp-site.yml", "mxcp: 1\nproject: shop\nprofile: prod\n");
        _project.Write("python/probe.py", """
            import hashlib
            from mxcp.runtime import config


            def fingerprint(value):
                return hashlib.sha256(value.encode()).hexdigest()[:16]


            def secrets_probe() -> dict:
                # Fingerprints, not the secrets: a tool never returns a secret.
                return {
                    "db": fingerprint(config.get_secret("db")["password"]),
                    "stripe": fingerprint(config.get_secret("stripe")["api_key"]),
                }
            """);
        _project.Write("tools/secrets_probe.yml", """
            mxcp: 1
            tool:
              name: secrets_probe
              description: Fingerprints of the configured secrets
              language: python
              return:
                type: object
                properties:
                  db: {type: string}
                  stripe: {type: string}
              source:
                file: ../python/probe.py
            """);
        _project.Write("config/user.yml", $"""
            mxcp: 1
            vault:
              enabled: true
              address: {_vault.Address}
            onepassword:
              enabled: true
              connect_host: {_connect.Address}
            projects:
              shop:
                profiles:
                  prod:
                    secrets:
                      - name: db
                        type: database
                        parameters:
                          password: vault://secret/app#db_password
                      - name: stripe
                        type: api
                        parameters:
                          api_key: op://Production/Stripe/credential
                  staging:
                    secrets:
                      - name: db
                        type: database
                        parameters:
                          password: vault://secret/staging#db_password
            """);
        _project.Environment["MXCP_CONFIG"] = UserConfig;
        _project.Environment["VAULT_TOKEN"] = VaultToken;
        _project.Environment["OP_CONNECT_TOKEN"] = ConnectToken;
    }

    public async ValueTask DisposeAsync()
    {
        _project.Dispose();
        await _vault.DisposeAsync();
        await _connect.DisposeAsync();
    }

    private void PutStripe(string apiKey) =>
        _connect.PutItem(VaultId, ItemId, "Stripe", new { id = "credential", label = "credential", type = "CONCEALED", value = apiKey });

    private static string Fingerprint(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..16];

    private static async Task<(string Db, string Stripe)> ProbeAsync(McpClient client)
    {
        var result = await client.CallToolAsync("secrets_probe", cancellationToken: Ct);
        Assert.NotEqual(true, result.IsError);
        var json = result.StructuredContent!.Value;
        return (json.GetProperty("db").GetString()!, json.GetProperty("stripe").GetString()!);
    }

    private static void AssertNoSecretIn(string text)
    {
        foreach (var secret in new[] { VaultToken, ConnectToken, "db-Pa55-v1", "db-Pa55-v2", "sk_live_v1", "sk_live_v2" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Serve_VaultAndOpReferences_ToolSeesThemAndSighupPicksUpRotatedValues()
    {
        await using var server = await ServeProcess.StartAsync(_project);
        await using var client = await server.ConnectAsync("2025-11-25", cancellationToken: Ct);

        Assert.Equal((Fingerprint("db-Pa55-v1"), Fingerprint("sk_live_v1")), await ProbeAsync(client));
        Assert.Contains(_vault.Requests, r => r.Path == "/v1/secret/data/app" && r.Token == VaultToken);
        Assert.DoesNotContain(_vault.Requests, r => r.Path.Contains("staging", StringComparison.Ordinal));
        Assert.All(_connect.Requests, r => Assert.Equal("Bearer " + ConnectToken, r.Authorization));

        _vault.Put("secret", "app", new { db_password = "db-Pa55-v2" });
        PutStripe("sk_live_v2");
        server.Signal("HUP");
        var rotated = (Fingerprint("db-Pa55-v2"), Fingerprint("sk_live_v2"));
        var seen = await ProbeAsync(client);
        for (var i = 0; i < 300 && seen != rotated; i++)
        {
            await Task.Delay(100, Ct);
            seen = await ProbeAsync(client);
        }

        Assert.Equal(rotated, seen);
        AssertNoSecretIn(server.Stderr);
    }

    [Fact]
    public async Task Serve_VaultSealedAtReload_KeepsServingTheLastGoodSecretsAndSaysWhy()
    {
        await using var server = await ServeProcess.StartAsync(_project);
        await using var client = await server.ConnectAsync("2025-11-25", cancellationToken: Ct);
        _vault.Put("secret", "app", new { db_password = "db-Pa55-v2" });
        _vault.Sealed = true;

        server.Signal("HUP");
        for (var i = 0; i < 300 && !server.Stderr.Contains("Reload failed", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100, Ct);
        }

        Assert.Contains(
            $"{UserConfig}:16:25: projects.shop.profiles.prod.secrets[0].parameters.password: cannot resolve 'vault://secret/app#db_password': "
            + $"Vault at {_vault.Address.GetLeftPart(UriPartial.Authority)} is sealed (503): unseal it, then start or reload again",
            server.Stderr);
        Assert.Equal((Fingerprint("db-Pa55-v1"), Fingerprint("sk_live_v1")), await ProbeAsync(client));
        AssertNoSecretIn(server.Stderr);
    }

    [Fact]
    public void Serve_WrongVaultToken_StopsStartUpNamingTheReferenceFileAndKey()
    {
        _project.Environment["VAULT_TOKEN"] = "hvs.revoked-token-000";

        var result = _project.Run("serve", "--port", "0");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(
            $"{UserConfig}:16:25: projects.shop.profiles.prod.secrets[0].parameters.password: cannot resolve 'vault://secret/app#db_password': "
            + $"Vault at {_vault.Address.GetLeftPart(UriPartial.Authority)} refused access (403 permission denied): the token in VAULT_TOKEN is invalid or expired",
            result.Stderr);
        Assert.DoesNotContain("hvs.revoked-token-000", result.Stderr + result.Stdout);
        AssertNoSecretIn(result.Stderr + result.Stdout);
        Assert.DoesNotContain("Listening on", result.Stdout);
    }

    [Fact]
    public void Run_OpItemMissing_FailsNamingTheReferenceAndTheItem()
    {
        _project.Write("config/user.yml", File.ReadAllText(UserConfig).Replace("op://Production/Stripe/credential", "op://Production/Stripe-old/credential", StringComparison.Ordinal));

        var result = _project.Run("run", "tool", "secrets_probe");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(
            $"{UserConfig}:20:24: projects.shop.profiles.prod.secrets[1].parameters.api_key: cannot resolve 'op://Production/Stripe-old/credential': "
            + $"no item 'Stripe-old' in vault 'Production' is accessible with the Connect token in OP_CONNECT_TOKEN on 1Password Connect at {_connect.Address.GetLeftPart(UriPartial.Authority)}",
            result.Stderr);
        AssertNoSecretIn(result.Stderr + result.Stdout);
    }
}
