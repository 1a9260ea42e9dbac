using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Runtime;
using Mxcp.Tests.Shared;

namespace Mxcp.Plugins.Vault.Tests;

/// <summary>
/// <c>AddMxcp().AddVault()</c> in a host: references resolved when the project loads and again on every reload, errors
/// that stop start-up or a reload with the file, line, key path and reference, and never a secret in a message or a log.
/// </summary>
public sealed class VaultHostingTests : IAsyncLifetime
{
    private const string Password = "first-Pa55word";

    // The plugin reads tokens from the process environment: a variable name of its own keeps parallel tests apart.
    private readonly string _tokenEnv = "MXCP_TEST_VAULT_TOKEN_" + Guid.NewGuid().ToString("N");
    private readonly string _token = "hvs." + Guid.NewGuid().ToString("N");
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mxcp-vault-" + Guid.NewGuid().ToString("N"));
    private readonly RecordingLogger _log = new();
    private readonly SecretsProbe _probe = new();
    private LoopbackVault _vault = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _vault = await LoopbackVault.StartAsync();
        _vault.AddToken(_token);
        _vault.Mount("secret", version: 2);
        _vault.Put("secret", "app", new { db_password = Password });
        Environment.SetEnvironmentVariable(_tokenEnv, _token);
        Directory.CreateDirectory(_root);
        File.WriteAllText(Path.Combine(_root, "mxcp-site.yml"), "mxcp: 1\nproject: shop\nprofile: prod\n");
        File.WriteAllText(Path.Combine(_root, "user.yml"), $"""
            mxcp: 1
            vault:
              enabled: true
              address: {_vault.Address}
              token_env: {_tokenEnv}
            projects:
              shop:
                profiles:
                  prod:
                    secrets:
                      - name: db
                        type: database
                        parameters:
                          password: vault://secret/app#db_password
                  staging:
                    secrets:
                      - name: db
                        type: database
                        parameters:
                          password: vault://secret/staging-only#db_password
            """);
    }

    public async ValueTask DisposeAsync()
    {
        Environment.SetEnvironmentVariable(_tokenEnv, null);
        await _vault.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private ServiceProvider Host()
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(_log).SetMinimumLevel(LogLevel.Trace));
        services.AddMxcpCore(o =>
        {
            o.ProjectPath = _root;
            o.UserConfigPath = Path.Combine(_root, "user.yml");
        }).AddVault().AddVault();
        services.AddSingleton<IEndpointExecutorProvider>(_probe);
        return services.BuildServiceProvider();
    }

    /// <summary>Starts the hosted services in order, as a host does (the project loads in one of them).</summary>
    private static async Task StartAsync(ServiceProvider host)
    {
        foreach (var service in host.GetServices<IHostedService>())
        {
            await service.StartAsync(Ct);
        }
    }

    [Fact]
    public void AddVault_Twice_RegistersOneProvider()
    {
        using var host = Host();

        Assert.Single(host.GetServices<ISecretProvider>());
    }

    [Fact]
    public async Task Start_VaultReference_ExecutorsGetTheSecretAndOtherProfilesAreNotRead()
    {
        await using var host = Host();
        await StartAsync(host);

        Assert.Equal(Password, _probe.Values("db", "password").Single());
        Assert.Equal(["/v1/secret/data/app"], _vault.Requests.Select(r => r.Path));
        Assert.DoesNotContain(Password, _log.All);
        Assert.DoesNotContain(_token, _log.All);
    }

    [Fact]
    public async Task Start_WrongToken_FailsNamingFileLineKeyPathAndReference()
    {
        Environment.SetEnvironmentVariable(_tokenEnv, "hvs.not-the-right-one");
        await using var host = Host();

        var e = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(host));

        Assert.StartsWith(
            $"{Path.Combine(_root, "user.yml")}:14:25: projects.shop.profiles.prod.secrets[0].parameters.password: "
            + $"cannot resolve 'vault://secret/app#db_password': Vault at {_vault.Address.GetLeftPart(UriPartial.Authority)} refused access (403 permission denied): "
            + $"the token in {_tokenEnv} is invalid or expired",
            e.Message);
        Assert.DoesNotContain("hvs.not-the-right-one", e.ToString());
        Assert.Empty(_probe.Values("db", "password"));
    }

    [Fact]
    public async Task Reload_RotatedSecret_IsPickedUp()
    {
        await using var host = Host();
        await StartAsync(host);
        _vault.Put("secret", "app", new { db_password = "rotated-Pa55word" });

        Assert.True(await host.GetRequiredService<IProjectReloader>().ReloadAsync("rotation", cancellationToken: Ct));

        Assert.Equal([Password, "rotated-Pa55word"], _probe.Values("db", "password"));
    }

    [Fact]
    public async Task Reload_SealedVault_FailsKeepsTheLastGoodProjectAndLogsTheReference()
    {
        await using var host = Host();
        await StartAsync(host);
        _vault.Sealed = true;

        Assert.False(await host.GetRequiredService<IProjectReloader>().ReloadAsync("rotation", cancellationToken: Ct));

        Assert.Equal([Password], _probe.Values("db", "password"));
        Assert.Equal(0, _probe.Disposed);
        Assert.Contains(
            $"projects.shop.profiles.prod.secrets[0].parameters.password: cannot resolve 'vault://secret/app#db_password': Vault at {_vault.Address.GetLeftPart(UriPartial.Authority)} is sealed (503)",
            _log.All);
        Assert.DoesNotContain(Password, _log.All);
        Assert.DoesNotContain(_token, _log.All);
    }

    [Fact]
    public async Task Reload_KeyRemoved_FailsAndNamesTheMissingKey()
    {
        await using var host = Host();
        await StartAsync(host);
        _vault.Put("secret", "app", new { password = "renamed-Pa55word" });

        Assert.False(await host.GetRequiredService<IProjectReloader>().ReloadAsync("rotation", cancellationToken: Ct));

        Assert.Contains("cannot resolve 'vault://secret/app#db_password': the secret secret/app has no key 'db_password' (its keys: password)", _log.All);
        Assert.DoesNotContain("renamed-Pa55word", _log.All);
    }

    [Fact]
    public async Task Start_UnknownVaultKey_IsReportedWithItsLineBeforeAnyLookup()
    {
        File.WriteAllText(Path.Combine(_root, "user.yml"), File.ReadAllText(Path.Combine(_root, "user.yml")).Replace("  token_env:", "  tokn_env:", StringComparison.Ordinal));
        await using var host = Host();

        var e = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(host));

        Assert.Equal($"{Path.Combine(_root, "user.yml")}:5:3: vault: unknown key 'tokn_env' (did you mean 'token_env'?)", e.Message);
        Assert.Empty(_vault.Requests);
    }
}
