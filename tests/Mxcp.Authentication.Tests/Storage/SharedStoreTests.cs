using Microsoft.Extensions.DependencyInjection;
using System.Net;
using Mxcp.Authentication.Tests.Issuer;
using Mxcp.Authentication.Tests.Support;
using Mxcp.Tests.Shared;

namespace Mxcp.Authentication.Tests.Storage;

/// <summary>Two replicas sharing one PostgreSQL token store: a user signed in on one is signed in on both.</summary>
public sealed class SharedStoreTests(PostgresServer postgres, OidcProviderFixture op) : IClassFixture<PostgresServer>, IClassFixture<OidcProviderFixture>
{
    [Fact]
    public async Task Replicas_ShareSessionsRefreshAndRevocation()
    {
        postgres.Require();
        var issuer = new IssuerModeTests(op);
        var env = new Dictionary<string, string>(issuer.Env)
        {
            ["TOKEN_DB"] = postgres.CreateDatabase(),
            ["TOKEN_KEY"] = "a-shared-replica-key-0123456789abcdef",
        };
        var auth = issuer.Auth("  type: postgres\n  connection_string: \"${TOKEN_DB}\"\n  auth_encryption_key: \"${TOKEN_KEY}\"");
        await using var a = await AuthTestServer.StartAsync(auth, environment: env);
        await using var b = await AuthTestServer.StartAsync(auth, environment: env);

        var client = new OAuthTestClient(a.BaseUri);
        var tokens = await client.LoginAsync("vera");
        Assert.Equal("vera", (await b.WhoAmIAsync(tokens.GetProperty("access_token").GetString()!)).GetProperty("username").GetString());

        // mxcp.auth.active_sessions counts the shared store: the replica that did not sign her in counts her too.
        var startupOfB = b.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Mxcp.Authentication.Hosting.AuthenticationStartup>().Single();
        await startupOfB.CountActiveSessionsAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, startupOfB.ActiveSessions!.Count);

        var onB = OAuthTestClient.Preregistered(b.BaseUri, client.ClientId, client.ClientSecret);
        var (status, refreshed) = await onB.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, status);
        var access = refreshed.GetProperty("access_token").GetString()!;
        Assert.Equal("vera", (await a.WhoAmIAsync(access)).GetProperty("username").GetString());

        Assert.Equal(HttpStatusCode.OK, await client.RevokeAsync(access));
        using var revoked = await b.PostInitializeAsync("Bearer " + access);
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        Assert.DoesNotContain(env["TOKEN_DB"], a.Logs.Text + b.Logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostgresStore_WithoutAKey_RefusesToStartNamingTheKey()
    {
        var issuer = new IssuerModeTests(op);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => AuthTestServer.StartAsync(
            issuer.Auth("  type: postgres\n  connection_string: \"Host=127.0.0.1;Password=pw-SECRET\""), environment: issuer.Env));
        Assert.Contains("auth.persistence.auth_encryption_key is missing", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-SECRET", error.ToString(), StringComparison.Ordinal);
    }
}
