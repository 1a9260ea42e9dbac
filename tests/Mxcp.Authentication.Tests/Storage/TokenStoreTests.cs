using System.Text;
using System.Text.Json;
using Mxcp.Authentication.Configuration;
using Mxcp.Authentication.Storage;
using Mxcp.Authentication.Tests.Support;
using Mxcp.Tests.Shared;

namespace Mxcp.Authentication.Tests.Storage;

/// <summary>The token store's guarantees, on SQLite and on PostgreSQL: one-time states and codes, atomic rotation, expiry, encryption at rest.</summary>
public sealed class TokenStoreTests(PostgresServer postgres) : IClassFixture<PostgresServer>, IDisposable
{
    private static readonly byte[] Key = AuthSettingsReader.DeriveKey("a-test-key-that-is-long-enough-for-aes-256")!;
    private readonly string _folder = AuthTestServer.NewRoot();
    private readonly ManualTimeProvider _clock = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private async Task<SqlTokenStore> OpenAsync(string backend, byte[]? key = null, string? database = null)
    {
        SqlTokenStoreDialect dialect = backend == "postgres"
            ? new PostgresTokenStoreDialect(database ?? postgres.CreateDatabase())
            : new SqliteTokenStoreDialect(Path.Combine(_folder, "oauth.db"));
        var store = new SqlTokenStore(dialect, new AesGcmTokenProtector(key ?? Key), _clock);
        await store.InitializeAsync(Ct);
        return store;
    }

    private void RequireBackend(string backend)
    {
        if (backend == "postgres")
        {
            postgres.Require();
        }
    }

    private OAuthSession Session(string id) => new()
    {
        SessionId = id,
        ClientId = "client-1",
        User = new StoredUser { Provider = "oidc", UserId = "u1", Username = "uma", Email = "uma@example.com", RawProfile = JsonSerializer.SerializeToElement(new { role = "admin" }) },
        ProviderAccessToken = "provider-access-token-SECRET",
        ProviderRefreshToken = "provider-refresh-token-SECRET",
        AccessExpiresAt = _clock.GetUtcNow().ToUnixTimeSeconds() + 3600,
        CreatedAt = _clock.GetUtcNow().ToUnixTimeSeconds(),
    };

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task StatesAndCodes_AreConsumedOnce_EvenUnderConcurrency(string backend)
    {
        RequireBackend(backend);
        await using var store = await OpenAsync(backend);
        var login = new PendingLogin
        {
            ClientId = "c", RedirectUri = "https://c.example/cb", RedirectUriExplicit = true, CodeChallenge = "x", CallbackUrl = "https://m.example/cb",
            ProviderCodeVerifier = "verifier-SECRET", ExpiresAt = _clock.GetUtcNow().ToUnixTimeSeconds() + 300,
        };
        await store.SaveLoginAsync("state-hash", login, Ct);
        var consumed = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => store.ConsumeLoginAsync("state-hash", Ct)));
        Assert.Single(consumed, c => c is not null);
        Assert.Equal("verifier-SECRET", consumed.Single(c => c is not null)!.ProviderCodeVerifier);

        await store.SaveSessionAsync(Session("s1"), Ct);
        await store.SaveCodeAsync("code-hash", new IssuedCode("s1", "c", "https://c.example/cb", true, "x", _clock.GetUtcNow().ToUnixTimeSeconds() + 300), Ct);
        Assert.NotNull(await store.FindCodeAsync("code-hash", Ct));
        var deleted = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => store.DeleteCodeAsync("code-hash", Ct)));
        Assert.Single(deleted, d => d);
        Assert.Null(await store.FindCodeAsync("code-hash", Ct));

        Assert.True(await store.IssueTokensAsync("s1", "access-1", "refresh-1", Ct));
        Assert.False(await store.IssueTokensAsync("s1", "access-2", "refresh-2", Ct));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Rotation_IsAtomic_AndRetiresTheOldTokens(string backend)
    {
        RequireBackend(backend);
        await using var store = await OpenAsync(backend);
        await store.SaveSessionAsync(Session("s2"), Ct);
        Assert.True(await store.IssueTokensAsync("s2", "a0", "r0", Ct));
        var session = (await store.FindByRefreshTokenAsync("r0", Ct))!;
        Assert.Equal("uma", session.User.Username);
        Assert.Equal("provider-access-token-SECRET", session.ProviderAccessToken);

        var rotated = session with { ProviderAccessToken = "provider-access-2" };
        var wins = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => store.RotateAsync(rotated, "r0", $"a{i + 1}", $"r{i + 1}", Ct)));
        Assert.Single(wins, w => w);
        Assert.Null(await store.FindByAccessTokenAsync("a0", Ct));
        Assert.Null(await store.FindByRefreshTokenAsync("r0", Ct));
        var winner = Array.IndexOf(wins, true) + 1;
        Assert.Equal("provider-access-2", (await store.FindByAccessTokenAsync($"a{winner}", Ct))!.ProviderAccessToken);

        await store.DeleteSessionAsync("s2", Ct);
        Assert.Null(await store.FindByAccessTokenAsync($"a{winner}", Ct));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Expired_StatesCodesAndAccessTokens_AreNotReturnedAndCleanedUp(string backend)
    {
        RequireBackend(backend);
        await using var store = await OpenAsync(backend);
        var now = _clock.GetUtcNow().ToUnixTimeSeconds();
        await store.SaveLoginAsync("old-state", new PendingLogin { ClientId = "c", RedirectUri = "r", RedirectUriExplicit = true, CodeChallenge = "x", CallbackUrl = "cb", ExpiresAt = now + 300 }, Ct);
        await store.SaveSessionAsync(Session("s3") with { AccessExpiresAt = now + 60 }, Ct);
        await store.IssueTokensAsync("s3", "a3", "r3", Ct);
        await store.SaveCodeAsync("old-code", new IssuedCode("s3", "c", "r", true, "x", now + 300), Ct);

        _clock.Advance(TimeSpan.FromSeconds(301));
        Assert.Null(await store.ConsumeLoginAsync("old-state", Ct));
        Assert.Null(await store.FindCodeAsync("old-code", Ct));
        Assert.Null(await store.FindByAccessTokenAsync("a3", Ct));
        Assert.NotNull(await store.FindByRefreshTokenAsync("r3", Ct));

        _clock.Advance(SqlTokenStore.IdleSessionLifetime);
        await store.CleanupAsync(Ct);
        Assert.Null(await store.FindByRefreshTokenAsync("r3", Ct));
    }

    [Fact]
    public async Task Secrets_AreEncryptedAtRest_AndUnreadableWithAnotherKey()
    {
        await using (var store = await OpenAsync("sqlite"))
        {
            await store.SaveSessionAsync(Session("s4"), Ct);
            await store.IssueTokensAsync("s4", "a4", "r4", Ct);
        }

        var raw = string.Concat(Directory.EnumerateFiles(_folder).Select(f => Encoding.Latin1.GetString(File.ReadAllBytes(f))));
        Assert.DoesNotContain("SECRET", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("uma@example.com", raw, StringComparison.Ordinal);

        await using (var store = await OpenAsync("sqlite", AuthSettingsReader.DeriveKey("another-key-that-is-long-enough-for-aes-256")))
        {
            Assert.Null(await store.FindByAccessTokenAsync("a4", Ct));
        }

        await using (var store = await OpenAsync("sqlite"))
        {
            Assert.Equal("uma", (await store.FindByAccessTokenAsync("a4", Ct))!.User.Username);
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_folder, "oauth.db")));
        }
    }

    [Fact]
    public async Task DynamicClients_AreCapped()
    {
        await using var store = await OpenAsync("sqlite");
        OAuthClient Client(string id) => new() { ClientId = id, AuthMethod = "none", RedirectUris = ["https://x.example/cb"], GrantTypes = ["authorization_code"], IssuedAt = 1 };
        Assert.True(await store.AddClientAsync(Client("a"), 2, Ct));
        Assert.True(await store.AddClientAsync(Client("b"), 2, Ct));
        Assert.False(await store.AddClientAsync(Client("c"), 2, Ct));
        await store.UpsertClientAsync(Client("configured") with { FromConfig = true }, Ct);
        Assert.True((await store.FindClientAsync("configured", Ct))!.FromConfig);
        Assert.Null(await store.FindClientAsync("c", Ct));
    }
}
