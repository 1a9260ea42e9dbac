using System.Text.Json;
using Mxcp.Authentication.Tests.Support;

namespace Mxcp.Authentication.Tests.Issuer;

/// <summary>
/// Secrets (the provider's client secret, a registered client's secret, Mxcp's tokens, the provider's tokens) never
/// reach logs, audit records or the files of the token store; the audit record names the caller and the user.
/// </summary>
public sealed class SecretsTests(OidcProviderFixture op) : IClassFixture<OidcProviderFixture>
{
    [Theory]
    [InlineData(null)]
    [InlineData("  auth_encryption_key: " + "0123456789abcdef0123456789abcdef-key")]
    public async Task AFullSession_LeavesNoSecretInLogsAuditOrStore(string? key)
    {
        var root = AuthTestServer.NewRoot();
        var issuer = new IssuerModeTests(op);
        var secrets = new Dictionary<string, string> { ["provider client secret"] = op.Provider.ClientSecret };
        string logs;
        try
        {
            await using (var server = await AuthTestServer.StartAsync(issuer.Auth("  path: state/oauth.db\n" + (key ?? "")), root: root, environment: issuer.Env))
            {
                var client = new OAuthTestClient(server.BaseUri);
                await client.RegisterAsync();
                secrets["client secret"] = client.ClientSecret!;
                var tokens = await client.LoginAsync("sam");
                secrets["access token"] = tokens.GetProperty("access_token").GetString()!;
                secrets["refresh token"] = tokens.GetProperty("refresh_token").GetString()!;
                var me = await server.WhoAmIAsync(secrets["access token"]);
                secrets["provider access token"] = me.GetProperty("external_token").GetString()!;
                await server.CallAsync(secrets["access token"], "admin_only");
                var (_, refreshed) = await client.RefreshAsync(secrets["refresh token"]);
                secrets["refreshed access token"] = refreshed.GetProperty("access_token").GetString()!;
                secrets["refreshed refresh token"] = refreshed.GetProperty("refresh_token").GetString()!;
                await server.WhoAmIAsync(secrets["refreshed access token"]);
                logs = server.Logs.Text;
            }

            var files = AuthTestServer.FilesText(root);
            Assert.True(File.Exists(Path.Combine(root, "state", "oauth.db")));
            foreach (var (what, secret) in secrets)
            {
                Assert.False(logs.Contains(secret, StringComparison.Ordinal), $"the {what} is in the logs: {string.Join(" / ", logs.Split('\n').Where(l => l.Contains(secret, StringComparison.Ordinal)).Select(l => l[..Math.Min(l.Length, 300)]))}");
                Assert.False(files.Contains(secret, StringComparison.Ordinal), $"the {what} is in a file (token store or audit)");
            }

            var records = AuthTestServer.AuditRecords(root).Where(r => r.GetProperty("operation_name").GetString() == "whoami").ToList();
            Assert.Equal(2, records.Count);
            Assert.All(records, r =>
            {
                Assert.Equal("http", r.GetProperty("caller_type").GetString());
                Assert.Equal("sam", r.GetProperty("user_id").GetString());
                Assert.Equal("[REDACTED]", r.GetProperty("output_data").GetProperty("external_token").GetString());
            });
            var denied = AuthTestServer.AuditRecords(root).Single(r => r.GetProperty("operation_name").GetString() == "admin_only");
            Assert.Equal("deny", denied.GetProperty("policy_decision").GetString());
            Assert.Equal("sam", denied.GetProperty("user_id").GetString());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
