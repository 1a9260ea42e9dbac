using System.Text.Json;
using Mxcp.Plugins.Shared;
using Mxcp.Tests.Shared;

namespace Mxcp.Plugins.OnePassword.Tests;

/// <summary>The provider against a loopback server speaking the 1Password Connect API: what Connect sees, and what the user reads.</summary>
public sealed class ConnectTests : IAsyncLifetime
{
    private const string Token = "connect-Token-eyJhbGciOi";
    private const string Password = "c0nnect-Db-Pa55";
    private const string VaultId = "q2ma4lquvwnv5dmo7uxbq7bdxa";
    private const string ItemId = "m5tvrslt6anhkbxygfgkflgzqi";

    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal) { ["OP_CONNECT_TOKEN"] = Token };
    private readonly RecordingLogger _logger = new();
    private readonly ManualTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(59));
    private LoopbackOnePasswordConnect _connect = null!;
    private OnePasswordSecretProvider _provider = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _connect = await LoopbackOnePasswordConnect.StartAsync();
        _connect.AddVault(VaultId, "Production");
        _connect.AddVault("hidden00000000000000000000", "Finance");
        _connect.AddToken(Token, VaultId);
        _connect.PutItem(VaultId, ItemId, "Database",
            new { id = "username", label = "username", type = "STRING", purpose = "USERNAME", value = "app" },
            new { id = "password", label = "password", type = "CONCEALED", purpose = "PASSWORD", value = Password },
            new { id = "r4nd0m1d", label = "API Key", type = "CONCEALED", value = "api-K3y" },
            new { id = "totp_1", label = "one-time password", type = "OTP", value = "otpauth://totp/Shop:app?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Shop" });
        _provider = new OnePasswordSecretProvider(BoundedHttp.CreateClient(), name => _environment.GetValueOrDefault(name), _time, _logger);
    }

    public async ValueTask DisposeAsync()
    {
        _provider.Dispose();
        await _connect.DisposeAsync();
    }

    private JsonElement Config(object? extra = null) =>
        UserConfigJson.WithBlock("onepassword", new Dictionary<string, object?> { ["enabled"] = true, ["connect_host"] = _connect.Address.ToString() }, extra);

    private async Task<string> Resolve(string reference, JsonElement? config = null) =>
        await _provider.ResolveAsync(reference, config ?? Config(), Ct);

    private async Task<string> Failure(string reference, JsonElement? config = null)
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Resolve(reference, config));
        Assert.DoesNotContain(Token, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("api-K3y", e.Message, StringComparison.Ordinal);
        return e.Message;
    }

    private string Origin => ConfigSection.Origin(_connect.Address);

    [Fact]
    public void CanResolve_OpScheme_OnlyOpReferences()
    {
        Assert.True(_provider.CanResolve("op://Production/Database/password"));
        Assert.False(_provider.CanResolve("vault://secret/app#key"));
    }

    [Fact]
    public async Task ResolveAsync_ByTitles_FindsVaultItemAndFieldWithTheBearerToken()
    {
        var value = await Resolve("op://Production/Database/password");

        Assert.Equal(Password, value);
        Assert.Equal(
            [
                ("/v1/vaults", "title eq \"Production\""),
                ($"/v1/vaults/{VaultId}/items", "title eq \"Database\""),
                ($"/v1/vaults/{VaultId}/items/{ItemId}", null),
            ],
            _connect.Requests.Select(r => (r.Path, r.Filter)));
        Assert.All(_connect.Requests, r => Assert.Equal("Bearer " + Token, r.Authorization));
    }

    [Fact]
    public async Task ResolveAsync_FieldLabelInOtherCaseOrFieldId_IsFound()
    {
        Assert.Equal("api-K3y", await Resolve("op://Production/Database/api key"));
        Assert.Equal("api-K3y", await Resolve("op://Production/Database/r4nd0m1d"));
    }

    [Fact]
    public async Task ResolveAsync_VaultAndItemIds_AreUsedWhenNoTitleMatches()
    {
        Assert.Equal(Password, await Resolve($"op://{VaultId}/{ItemId}/password"));
    }

    [Fact]
    public async Task ResolveAsync_Otp_ComputesTheCurrentCodeFromTheStoredSecret()
    {
        // RFC 6238's SHA-1 seed at T = 59 s: 94287082, of which 6 digits are kept.
        Assert.Equal("287082", await Resolve("op://Production/Database/one-time password?attribute=otp"));
        _time.Advance(TimeSpan.FromSeconds(1111111109 - 59));
        Assert.Equal("081804", await Resolve("op://Production/Database/one-time password?attribute=otp"));
    }

    [Fact]
    public async Task ResolveAsync_OtpComputedByConnect_IsReturnedAsIs()
    {
        _connect.PutItem(VaultId, ItemId, "Database", new { id = "totp_1", label = "one-time password", type = "OTP", value = "otpauth://totp/x?secret=GEZDGNBV", totp = "135790" });

        Assert.Equal("135790", await Resolve("op://Production/Database/one-time password?attribute=otp"));
    }

    [Fact]
    public async Task ResolveAsync_OtpOnAPasswordField_IsRefused()
    {
        var message = await Failure("op://Production/Database/password?attribute=otp");

        Assert.Equal("the field 'password' of the item 'Database' in vault 'Production' is not a one-time password field (?attribute=otp needs one)", message);
    }

    [Fact]
    public async Task ResolveAsync_RotatedValue_IsReadAgain()
    {
        Assert.Equal(Password, await Resolve("op://Production/Database/password"));
        _connect.PutItem(VaultId, ItemId, "Database", new { id = "password", label = "password", type = "CONCEALED", value = "r0tated-Pa55" });

        Assert.Equal("r0tated-Pa55", await Resolve("op://Production/Database/password"));
    }

    [Fact]
    public async Task ResolveAsync_WrongToken_Fails401NamingTheVariableNotTheToken()
    {
        _environment["OP_CONNECT_TOKEN"] = "wrong-Connect-token";

        var message = await Failure("op://Production/Database/password");

        Assert.Equal($"1Password Connect at {Origin} refused the token in OP_CONNECT_TOKEN (401 Unauthorized: Invalid bearer token)", message);
        Assert.DoesNotContain("wrong-Connect-token", message);
    }

    [Fact]
    public async Task ResolveAsync_ConnectTokenNotSet_SaysWhichVariable()
    {
        var message = await Failure("op://Production/Database/password", Config(new { connect_token_env = "SHOP_CONNECT_TOKEN" }));

        Assert.Equal("no 1Password Connect token: environment variable SHOP_CONNECT_TOKEN is not set (onepassword.connect_token_env)", message);
        Assert.Empty(_connect.Requests);
    }

    [Fact]
    public async Task ResolveAsync_MissingVault_SaysNoVaultIsAccessible()
    {
        var message = await Failure("op://Staging/Database/password");

        Assert.Equal($"no vault 'Staging' is accessible with the Connect token in OP_CONNECT_TOKEN on 1Password Connect at {Origin}", message);
    }

    [Fact]
    public async Task ResolveAsync_VaultOfAnotherToken_IsNotVisible()
    {
        Assert.Equal(
            $"no vault 'Finance' is accessible with the Connect token in OP_CONNECT_TOKEN on 1Password Connect at {Origin}",
            await Failure("op://Finance/Database/password"));
        Assert.Equal(
            $"1Password Connect at {Origin} does not let the token in OP_CONNECT_TOKEN read the vault 'hidden00000000000000000000' (403 Forbidden: Authorization token does not have access to vault)",
            await Failure("op://hidden00000000000000000000/Database/password"));
    }

    [Fact]
    public async Task ResolveAsync_MissingItem_NamesItAndTheVault()
    {
        var message = await Failure("op://Production/Databse/password");

        Assert.Equal($"no item 'Databse' in vault 'Production' is accessible with the Connect token in OP_CONNECT_TOKEN on 1Password Connect at {Origin}", message);
    }

    [Fact]
    public async Task ResolveAsync_MissingField_ListsTheLabelsNotTheValues()
    {
        var message = await Failure("op://Production/Database/pasword");

        Assert.Equal("the item 'Database' in vault 'Production' has no field 'pasword' (its fields: username, password, API Key, one-time password)", message);
    }

    [Fact]
    public async Task ResolveAsync_TwoItemsWithTheTitle_AsksForTheId()
    {
        _connect.PutItem(VaultId, "second00000000000000000000", "Database", new { id = "password", label = "password", value = "other" });

        var message = await Failure("op://Production/Database/password");

        Assert.Equal($"2 matches for the item 'Database' in vault 'Production' on 1Password Connect at {Origin}; use the ID instead of the name", message);
    }

    [Fact]
    public async Task ResolveAsync_TitleWithQuotes_IsEscapedInTheFilter()
    {
        _connect.PutItem(VaultId, "quoted0000000000000000000a", "The \"main\" DB", new { id = "password", label = "password", value = "quoted-Pa55" });

        Assert.Equal("quoted-Pa55", await Resolve("op://Production/The \"main\" DB/password"));
        Assert.Contains(_connect.Requests, r => r.Filter == "title eq \"The \\\"main\\\" DB\"");
    }

    [Fact]
    public async Task ResolveAsync_FieldWithoutValue_SaysSo()
    {
        _connect.PutItem(VaultId, ItemId, "Database", new { id = "password", label = "password", type = "CONCEALED" });

        Assert.Equal("the field 'password' of the item 'Database' in vault 'Production' has no value", await Failure("op://Production/Database/password"));
    }

    [Fact]
    public async Task ResolveAsync_UnreachableServer_SaysCannotBeReached()
    {
        var address = _connect.Address;
        await _connect.DisposeAsync();
        _connect = await LoopbackOnePasswordConnect.StartAsync();
        var config = JsonSerializer.SerializeToElement(new { onepassword = new { enabled = true, connect_host = address.ToString() } });

        var message = await Failure("op://Production/Database/password", config);

        Assert.StartsWith($"1Password Connect at {ConfigSection.Origin(address)} cannot be reached: Connection refused", message);
    }

    [Fact]
    public async Task ResolveAsync_ServerTooSlow_FailsAfterTheTimeout()
    {
        _connect.Delay = TimeSpan.FromSeconds(30);

        var message = await Failure("op://Production/Database/password", Config(new { timeout = 0.3 }));

        Assert.Equal($"1Password Connect at {Origin} did not answer within 0.3 s", message);
    }

    [Fact]
    public async Task ResolveAsync_NotEnabled_SaysHowToEnableIt()
    {
        var message = await Failure("op://Production/Database/password", JsonSerializer.SerializeToElement(new { onepassword = new { enabled = false } }));

        Assert.Equal("1Password is not enabled: set onepassword.enabled: true in the user configuration", message);
    }

    [Theory]
    [InlineData("op://Production/Database")]
    [InlineData("op://Production/Database/password?attribute=totp")]
    [InlineData("op://Production/Database/section/password")]
    [InlineData("op:///Database/password")]
    public async Task ResolveAsync_MalformedReference_SaysTheExpectedFormAndSendsNothing(string reference)
    {
        var message = await Failure(reference);

        Assert.Equal("not a valid 1Password reference; expected op://vault/item/field or op://vault/item/field?attribute=otp", message);
        Assert.Empty(_connect.Requests);
    }

    [Fact]
    public async Task ResolveAsync_Success_LogsTheReferenceNeverTheValueOrToken()
    {
        await Resolve("op://Production/Database/password");

        Assert.Contains($"Resolved op://Production/Database/password with 1Password Connect at {Origin}", _logger.All);
        Assert.DoesNotContain(Password, _logger.All);
        Assert.DoesNotContain(Token, _logger.All);
    }
}
