using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Mxcp.Plugins.Shared;
using Mxcp.Tests.Shared;

namespace Mxcp.Plugins.Vault.Tests;

/// <summary>The provider against a loopback server speaking Vault's HTTP API: what Vault sees, and what the user reads.</summary>
public sealed class VaultSecretProviderTests : IAsyncLifetime
{
    private const string Token = "hvs.test-Token-9f2c";
    private const string Password = "s3cret-Db-Pa55";

    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal) { ["VAULT_TOKEN"] = Token };
    private readonly RecordingLogger _logger = new();
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private LoopbackVault _vault = null!;
    private VaultSecretProvider _provider = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _vault = await LoopbackVault.StartAsync();
        _vault.AddToken(Token);
        _vault.Mount("secret", version: 2);
        _vault.Put("secret", "app", new { db_password = Password, port = 5432, user = "app" });
        _provider = new VaultSecretProvider(BoundedHttp.CreateClient(), name => _environment.GetValueOrDefault(name), _time, _logger);
    }

    public async ValueTask DisposeAsync()
    {
        _provider.Dispose();
        await _vault.DisposeAsync();
    }

    private JsonElement Config(object? extra = null) =>
        UserConfigJson.WithBlock("vault", new Dictionary<string, object?> { ["enabled"] = true, ["address"] = _vault.Address.ToString() }, extra);

    private async Task<string> Resolve(string reference, JsonElement? config = null) =>
        await _provider.ResolveAsync(reference, config ?? Config(), Ct);

    private async Task<string> Failure(string reference, JsonElement? config = null)
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Resolve(reference, config));
        Assert.DoesNotContain(Token, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, e.Message, StringComparison.Ordinal);
        return e.Message;
    }

    [Fact]
    public void CanResolve_VaultScheme_OnlyVaultReferences()
    {
        Assert.True(_provider.CanResolve("vault://secret/app#db_password"));
        Assert.False(_provider.CanResolve("op://vault/item/field"));
        Assert.False(_provider.CanResolve("https://vault/secret"));
    }

    [Fact]
    public async Task ResolveAsync_Kv2Secret_ReturnsTheKeyAndSendsTheTokenHeader()
    {
        var value = await Resolve("vault://secret/app#db_password");

        Assert.Equal(Password, value);
        var request = Assert.Single(_vault.Requests);
        Assert.Equal(("GET", "/v1/secret/data/app"), (request.Method, request.Path));
        Assert.Equal(Token, request.Token);
        Assert.Equal("true", request.RequestHeader);
        Assert.Null(request.Namespace);
    }

    [Fact]
    public async Task ResolveAsync_NonStringValue_ReturnsItsJsonText()
    {
        Assert.Equal("5432", await Resolve("vault://secret/app#port"));
    }

    [Fact]
    public async Task ResolveAsync_Namespace_IsSentAsXVaultNamespace()
    {
        _vault.Mount("kv", version: 2, ns: "team-a");
        _vault.Put("kv", "billing/stripe", new { api_key = "sk_live_team_a" }, ns: "team-a");

        var value = await Resolve("vault://kv/billing/stripe#api_key", Config(new { @namespace = "team-a" }));

        Assert.Equal("sk_live_team_a", value);
        var request = Assert.Single(_vault.Requests);
        Assert.Equal("/v1/kv/data/billing/stripe", request.Path);
        Assert.Equal("team-a", request.Namespace);
    }

    [Fact]
    public async Task ResolveAsync_NamespacedMountWithoutNamespace_FailsWithPermissionDenied()
    {
        _vault.Mount("kv", version: 2, ns: "team-a");
        _vault.Put("kv", "stripe", new { api_key = "sk_live_team_a" }, ns: "team-a");

        var message = await Failure("vault://kv/stripe#api_key");

        Assert.Contains("refused access (403 permission denied)", message);
        Assert.DoesNotContain("sk_live_team_a", message);
    }

    [Fact]
    public async Task ResolveAsync_Kv1Mount_FallsBackToTheV1Path()
    {
        _vault.Mount("legacy", version: 1);
        _vault.Put("legacy", "db", new { password = "v1-Pa55" });

        var value = await Resolve("vault://legacy/db#password");

        Assert.Equal("v1-Pa55", value);
        Assert.Equal(["/v1/legacy/data/db", "/v1/legacy/db"], _vault.Requests.Select(r => r.Path));
        Assert.All(_vault.Requests, r => Assert.Equal(Token, r.Token));
    }

    [Fact]
    public async Task ResolveAsync_RotatedSecret_ReadsTheNewValueEveryTime()
    {
        Assert.Equal(Password, await Resolve("vault://secret/app#db_password"));
        _vault.Put("secret", "app", new { db_password = "rotated-Pa55" });

        Assert.Equal("rotated-Pa55", await Resolve("vault://secret/app#db_password"));
    }

    [Fact]
    public async Task ResolveAsync_WrongToken_FailsWith403NamingTheVariableNotTheToken()
    {
        _environment["VAULT_TOKEN"] = "hvs.wrong-Token-0000";

        var message = await Failure("vault://secret/app#db_password");

        Assert.Equal(
            $"Vault at {ConfigSection.Origin(_vault.Address)} refused access (403 permission denied): the token in VAULT_TOKEN is invalid or expired, "
            + "or its policies allow reading neither secret/data/app (KV v2) nor secret/app (KV v1)",
            message);
        Assert.DoesNotContain("hvs.wrong-Token-0000", message);
    }

    [Fact]
    public async Task ResolveAsync_TokenEnvNotSet_SaysWhichVariable()
    {
        var message = await Failure("vault://secret/app#db_password", Config(new { token_env = "APP_VAULT_TOKEN" }));

        Assert.Equal("no Vault token: environment variable APP_VAULT_TOKEN is not set (vault.token_env)", message);
        Assert.Empty(_vault.Requests);
    }

    [Fact]
    public async Task ResolveAsync_CustomTokenEnv_ReadsThatVariable()
    {
        _environment.Remove("VAULT_TOKEN");
        _environment["APP_VAULT_TOKEN"] = Token;

        Assert.Equal(Password, await Resolve("vault://secret/app#db_password", Config(new { token_env = "APP_VAULT_TOKEN" })));
    }

    [Fact]
    public async Task ResolveAsync_SealedVault_SaysSealed()
    {
        _vault.Sealed = true;

        var message = await Failure("vault://secret/app#db_password");

        Assert.Equal($"Vault at {ConfigSection.Origin(_vault.Address)} is sealed (503): unseal it, then start or reload again", message);
        Assert.Equal(["/v1/secret/data/app", "/v1/sys/health"], _vault.Requests.Select(r => r.Path));
        Assert.Null(_vault.Requests.Last().Token);
    }

    [Fact]
    public async Task ResolveAsync_MissingPath_SaysNeitherKvPathExists()
    {
        var message = await Failure("vault://secret/nothing-here#password");

        Assert.Equal(
            $"no secret at secret/nothing-here in Vault at {ConfigSection.Origin(_vault.Address)} (neither secret/data/nothing-here for KV v2 nor secret/nothing-here for KV v1 exists)",
            message);
    }

    [Fact]
    public async Task ResolveAsync_MissingKey_ListsTheKeyNamesNotTheirValues()
    {
        var message = await Failure("vault://secret/app#db_pasword");

        Assert.Equal("the secret secret/app has no key 'db_pasword' (its keys: db_password, port, user)", message);
    }

    [Fact]
    public async Task ResolveAsync_DeletedLatestVersion_SaysDeleted()
    {
        _vault.DeleteLatest("secret", "app");

        var message = await Failure("vault://secret/app#db_password");

        Assert.StartsWith("the latest version of the secret secret/app is deleted in Vault at", message);
    }

    [Fact]
    public async Task ResolveAsync_ServerError_ReportsStatusAndVaultErrors()
    {
        _vault.Intercept = async context =>
        {
            context.Response.StatusCode = 500;
            await context.Response.WriteAsync("""{"errors":["internal error: storage backend unavailable"]}""", Ct);
            return true;
        };

        var message = await Failure("vault://secret/app#db_password");

        Assert.Equal(
            $"Vault at {ConfigSection.Origin(_vault.Address)} answered 500 Internal Server Error for secret/data/app: internal error: storage backend unavailable",
            message);
    }

    [Fact]
    public async Task ResolveAsync_UnreachableServer_SaysCannotBeReached()
    {
        var address = _vault.Address;
        await _vault.DisposeAsync();
        _vault = await LoopbackVault.StartAsync();

        var message = await Failure("vault://secret/app#db_password", JsonSerializer.SerializeToElement(new { vault = new { enabled = true, address = address.ToString() } }));

        Assert.StartsWith($"Vault at {ConfigSection.Origin(address)} cannot be reached: Connection refused", message);
    }

    [Fact]
    public async Task ResolveAsync_ServerTooSlow_FailsAfterTheTimeout()
    {
        _vault.Intercept = async context =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
            return true;
        };

        var message = await Failure("vault://secret/app#db_password", Config(new { timeout = 0.3 }));

        Assert.Equal($"Vault at {ConfigSection.Origin(_vault.Address)} did not answer within 0.3 s", message);
    }

    [Fact]
    public async Task ResolveAsync_OversizedAnswer_IsRefusedUnread()
    {
        _vault.Intercept = async context =>
        {
            context.Response.StatusCode = 200;
            var chunk = Encoding.ASCII.GetBytes(new string('x', 64 * 1024));
            for (var i = 0; i < 64; i++)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }

            return true;
        };

        var message = await Failure("vault://secret/app#db_password");

        Assert.Equal($"Vault at {ConfigSection.Origin(_vault.Address)} answered with more than 1 MiB; refusing to read it", message);
    }

    [Fact]
    public async Task ResolveAsync_NotKvJson_SaysSoWithoutTheBody()
    {
        _vault.Intercept = async context =>
        {
            context.Response.StatusCode = 200;
            await context.Response.WriteAsync("<html>db_password=" + Password + "</html>", Ct);
            return true;
        };

        var message = await Failure("vault://secret/app#db_password");

        Assert.EndsWith("answered 200 OK for secret/data/app with a body that is not a KV v2 secret", message);
    }

    [Theory]
    [InlineData("vault://secret/app", "the key after '#' is missing")]
    [InlineData("vault://secret/app#", "the key after '#' is missing")]
    [InlineData("vault://app#password", "the path needs a mount and a secret, such as secret/app")]
    [InlineData("vault://secret//app#password", "the path needs a mount and a secret, such as secret/app")]
    [InlineData("vault://secret/../sys/raw#password", "'.' and '..' are not allowed in the path")]
    public async Task ResolveAsync_MalformedReference_SaysWhatIsWrongAndSendsNothing(string reference, string why)
    {
        var message = await Failure(reference);

        Assert.Equal($"not a valid Vault reference ({why}); expected vault://mount/path#key, for example vault://secret/app#db_password", message);
        Assert.Empty(_vault.Requests);
    }

    [Fact]
    public async Task ResolveAsync_PathSegments_AreEscaped()
    {
        _vault.Put("secret", "team a/db?x", new { password = "escaped-Pa55" });

        Assert.Equal("escaped-Pa55", await Resolve("vault://secret/team a/db?x#password"));
        Assert.Equal("/v1/secret/data/team%20a/db%3Fx", _vault.Requests.Single().Path);
    }

    [Fact]
    public async Task ResolveAsync_VaultNotEnabled_SaysHowToEnableIt()
    {
        var message = await Failure("vault://secret/app#db_password", JsonSerializer.SerializeToElement(new { mxcp = 1 }));

        Assert.Equal("Vault is not enabled: set vault.enabled: true and vault.address in the user configuration", message);
    }

    [Fact]
    public async Task ResolveAsync_NoAddress_SaysSo()
    {
        var message = await Failure("vault://secret/app#db_password", JsonSerializer.SerializeToElement(new { vault = new { enabled = true } }));

        Assert.Equal("vault.address is not set: give the Vault server's URL, such as https://vault.internal:8200", message);
    }

    [Fact]
    public async Task ResolveAsync_AddressWithCredentials_IsRefusedWithoutEchoingThem()
    {
        var message = await Failure("vault://secret/app#db_password",
            JsonSerializer.SerializeToElement(new { vault = new { enabled = true, address = "http://admin:hunter2@127.0.0.1:8200" } }));

        Assert.Equal("vault.address must be an http:// or https:// URL without credentials, query or fragment", message);
    }

    [Fact]
    public async Task ResolveAsync_AddressWithPathPrefix_KeepsThePrefix()
    {
        _vault.Intercept = async context =>
        {
            if (context.Request.Path.StartsWithSegments("/vault", out var rest))
            {
                context.Request.Path = rest;
            }

            return await Task.FromResult(false);
        };

        var config = JsonSerializer.SerializeToElement(new { vault = new { enabled = true, address = new Uri(_vault.Address, "/vault/").ToString() } });
        Assert.Equal(Password, await Resolve("vault://secret/app#db_password", config));
        Assert.Equal("/vault/v1/secret/data/app", _vault.Requests.Single().Path);
    }

    [Fact]
    public async Task ResolveAsync_AppRole_LogsInOnceAndReadsWithTheIssuedToken()
    {
        _vault.AddAppRole("role-1234", "secret-id-Zz9");
        _environment.Remove("VAULT_TOKEN");
        _environment["VAULT_ROLE_ID"] = "role-1234";
        _environment["VAULT_SECRET_ID"] = "secret-id-Zz9";
        var config = Config(new { approle = new { } });

        Assert.Equal(Password, await Resolve("vault://secret/app#db_password", config));
        Assert.Equal("app", await Resolve("vault://secret/app#user", config));

        var requests = _vault.Requests.ToList();
        Assert.Equal(["POST /v1/auth/approle/login", "GET /v1/secret/data/app", "GET /v1/secret/data/app"], requests.Select(r => $"{r.Method} {r.Path}"));
        using var login = JsonDocument.Parse(requests[0].Body!);
        Assert.Equal("role-1234", login.RootElement.GetProperty("role_id").GetString());
        Assert.Equal("secret-id-Zz9", login.RootElement.GetProperty("secret_id").GetString());
        Assert.Null(requests[0].Token);
        Assert.Equal("hvs.approle-1", requests[1].Token);
        Assert.Equal("hvs.approle-1", requests[2].Token);
        Assert.Contains("Logged in to Vault at", _logger.All);
        Assert.DoesNotContain("hvs.approle-1", _logger.All);
        Assert.DoesNotContain("secret-id-Zz9", _logger.All);
    }

    [Fact]
    public async Task ResolveAsync_AppRoleLeaseNearItsEnd_LogsInAgain()
    {
        _vault.AddAppRole("role-1234", "secret-id-Zz9", leaseSeconds: 600);
        _environment["VAULT_ROLE_ID"] = "role-1234";
        _environment["VAULT_SECRET_ID"] = "secret-id-Zz9";
        var config = Config(new { approle = new { } });

        await Resolve("vault://secret/app#db_password", config);
        _time.Advance(TimeSpan.FromSeconds(300));
        await Resolve("vault://secret/app#db_password", config);
        _time.Advance(TimeSpan.FromSeconds(250));
        await Resolve("vault://secret/app#db_password", config);

        Assert.Equal(2, _vault.Requests.Count(r => r.Method == "POST"));
        Assert.Equal("hvs.approle-2", _vault.Requests.Last().Token);
    }

    [Fact]
    public async Task ResolveAsync_AppRoleTokenRevoked_LogsInAgainOnce()
    {
        _vault.AddAppRole("role-1234", "secret-id-Zz9");
        _environment["VAULT_ROLE_ID"] = "role-1234";
        _environment["VAULT_SECRET_ID"] = "secret-id-Zz9";
        var config = Config(new { approle = new { } });
        await Resolve("vault://secret/app#db_password", config);
        _vault.RevokeToken("hvs.approle-1");

        Assert.Equal(Password, await Resolve("vault://secret/app#db_password", config));
        Assert.Equal(2, _vault.Requests.Count(r => r.Method == "POST"));
        Assert.Equal("hvs.approle-2", _vault.Requests.Last().Token);
    }

    [Fact]
    public async Task ResolveAsync_AppRoleWrongSecretId_NamesTheVariablesNotTheirValues()
    {
        _vault.AddAppRole("role-1234", "secret-id-Zz9");
        _environment["APP_ROLE"] = "role-1234";
        _environment["APP_SECRET"] = "wrong-Secret-id";
        var config = Config(new { approle = new { mount = "approle", role_id_env = "APP_ROLE", secret_id_env = "APP_SECRET" } });

        var message = await Failure("vault://secret/app#db_password", config);

        Assert.Equal(
            $"AppRole login to Vault at {ConfigSection.Origin(_vault.Address)} (auth/approle/login) failed with 400 Bad Request (invalid role or secret ID): "
            + "check the role ID in APP_ROLE and the secret ID in APP_SECRET",
            message);
        Assert.DoesNotContain("wrong-Secret-id", message);
        Assert.Single(_vault.Requests);
    }

    [Fact]
    public async Task ResolveAsync_AppRoleSecretIdNotSet_SaysWhichVariable()
    {
        _environment["VAULT_ROLE_ID"] = "role-1234";

        var message = await Failure("vault://secret/app#db_password", Config(new { approle = new { } }));

        Assert.Equal("AppRole login needs a secret ID: environment variable VAULT_SECRET_ID is not set (vault.approle.secret_id_env)", message);
    }

    [Fact]
    public async Task ResolveAsync_AppRoleInNamespace_LogsInAndReadsInIt()
    {
        _vault.Mount("kv", version: 2, ns: "team-a");
        _vault.Put("kv", "app", new { password = "ns-Pa55" }, ns: "team-a");
        _vault.AddAppRole("role-1234", "secret-id-Zz9");
        _environment["VAULT_ROLE_ID"] = "role-1234";
        _environment["VAULT_SECRET_ID"] = "secret-id-Zz9";

        Assert.Equal("ns-Pa55", await Resolve("vault://kv/app#password", Config(new { @namespace = "team-a", approle = new { } })));
        Assert.All(_vault.Requests, r => Assert.Equal("team-a", r.Namespace));
    }

    [Fact]
    public async Task ResolveAsync_Success_LogsTheReferenceNeverTheValueOrToken()
    {
        await Resolve("vault://secret/app#db_password");

        Assert.Contains("Resolved vault://secret/app#db_password from Vault at", _logger.All);
        Assert.DoesNotContain(Password, _logger.All);
        Assert.DoesNotContain(Token, _logger.All);
    }
}
