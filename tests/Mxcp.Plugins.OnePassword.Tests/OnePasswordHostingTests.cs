using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Runtime;
using Mxcp.Tests.Shared;

namespace Mxcp.Plugins.OnePassword.Tests;

/// <summary><c>AddMxcp().AddOnePassword()</c> in a host, against a loopback server speaking the 1Password Connect API.</summary>
public sealed class OnePasswordHostingTests : IAsyncLifetime
{
    private const string VaultId = "q2ma4lquvwnv5dmo7uxbq7bdxa";
    private const string ItemId = "m5tvrslt6anhkbxygfgkflgzqi";

    // The plugin reads tokens from the process environment: a variable name of its own keeps parallel tests apart.
    private readonly string _tokenEnv = "MXCP_TEST_OP_CONNECT_" + Guid.NewGuid().ToString("N");
    private readonly string _token = "connect-" + Guid.NewGuid().ToString("N");
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mxcp-op-host-" + Guid.NewGuid().ToString("N"));
    private readonly RecordingLogger _log = new();
    private readonly SecretsProbe _probe = new();
    private LoopbackOnePasswordConnect _connect = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _connect = await LoopbackOnePasswordConnect.StartAsync();
        _connect.AddVault(VaultId, "Production");
        _connect.AddToken(_token, VaultId);
        PutApiKey("sk_live_first");
        Environment.SetEnvironmentVariable(_tokenEnv, _token);
        Directory.CreateDirectory(_root);
        File.WriteAllText(Path.Combine(_root, "mxcp-site.yml"), "mxcp: 1\nproject: shop\nprofile: prod\n");
        File.WriteAllText(Path.Combine(_root, "user.yml"), $"""
            mxcp: 1
            onepassword:
              enabled: true
              connect_host: {_connect.Address}
              connect_token_env: {_tokenEnv}
            projects:
              shop:
                profiles:
                  prod:
                    secrets:
                      - name: stripe
                        type: api
                        parameters:
                          api_key: op://Production/Stripe/credential
            """);
    }

    public async ValueTask DisposeAsync()
    {
        Environment.SetEnvironmentVariable(_tokenEnv, null);
        await _connect.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private void PutApiKey(string value) =>
        _connect.PutItem(VaultId, ItemId, "Stripe", new { id = "credential", label = "credential", type = "CONCEALED", value });

    private ServiceProvider Host()
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(_log).SetMinimumLevel(LogLevel.Trace));
        services.AddMxcpCore(o =>
        {
            o.ProjectPath = _root;
            o.UserConfigPath = Path.Combine(_root, "user.yml");
        }).AddOnePassword().AddOnePassword();
        services.AddSingleton<IEndpointExecutorProvider>(_probe);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void AddOnePassword_Twice_RegistersOneProvider()
    {
        using var host = Host();

        Assert.Single(host.GetServices<ISecretProvider>());
    }

    [Fact]
    public async Task Reload_RotatedItem_IsPickedUpAndNothingSecretIsLogged()
    {
        await using var host = Host();
        foreach (var service in host.GetServices<IHostedService>())
        {
            await service.StartAsync(Ct);
        }
        PutApiKey("sk_live_second");

        Assert.True(await host.GetRequiredService<IProjectReloader>().ReloadAsync("rotation", cancellationToken: Ct));

        Assert.Equal(["sk_live_first", "sk_live_second"], _probe.Values("stripe", "api_key"));
        Assert.All(_connect.Requests, r => Assert.Equal("Bearer " + _token, r.Authorization));
        Assert.DoesNotContain("sk_live_", _log.All);
        Assert.DoesNotContain(_token, _log.All);
    }

    [Fact]
    public async Task Reload_ItemRenamed_FailsKeepsTheLastGoodProjectAndNamesTheReference()
    {
        await using var host = Host();
        foreach (var service in host.GetServices<IHostedService>())
        {
            await service.StartAsync(Ct);
        }
        _connect.PutItem(VaultId, ItemId, "Stripe (old)", new { id = "credential", label = "credential", value = "sk_live_renamed" });

        Assert.False(await host.GetRequiredService<IProjectReloader>().ReloadAsync("rotation", cancellationToken: Ct));

        Assert.Equal(["sk_live_first"], _probe.Values("stripe", "api_key"));
        Assert.Contains(
            "projects.shop.profiles.prod.secrets[0].parameters.api_key: cannot resolve 'op://Production/Stripe/credential': "
            + $"no item 'Stripe' in vault 'Production' is accessible with the Connect token in {_tokenEnv}",
            _log.All);
        Assert.DoesNotContain("sk_live_", _log.All);
    }
}
