using System.Net;
using System.Text;
using System.Text.Json;
using ModelContextProtocol.Client;
using Mxcp.IntegrationTests.Support;
using Mxcp.Tests.Shared;

namespace Mxcp.IntegrationTests.Auth;

/// <summary>
/// <c>mxcp serve</c> with the auth of the operations guide, against a real OpenID provider (oidc-provider from npm):
/// the official TypeScript SDK client signs in through Mxcp's OAuth server, and its user reaches SQL, Python,
/// policies and the audit log; an auth block that cannot be enforced stops start-up.
/// </summary>
public sealed class AuthServeTests : IAsyncLifetime
{
    private OidcProviderProcess _op = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _op = await OidcProviderProcess.StartAsync(cancellationToken: Ct);

    public async ValueTask DisposeAsync() => await _op.DisposeAsync();

    private TestProject Project(string auth) => AuthProject.Create(_op, auth);

    private string Issuer => AuthProject.Issuer(_op);

    [Fact]
    public async Task Serve_IssuerMode_TypeScriptSdkClientSignsIn_AndItsUserReachesSqlPythonPoliciesAndAudit()
    {
        using var project = Project(Issuer);
        var client = await NodeTools.InstallAsync(Path.Combine(AppContext.BaseDirectory, "Interop", "ts-client"), "ts-interop", Ct);
        int exit;
        string stdout;
        await using (var server = await ServeProcess.StartAsync(project))
        {
            var run = await NodeTools.RunAsync("node", ["oauth-client.mjs", server.Endpoint.ToString(), "alice"], client, TimeSpan.FromMinutes(2), Ct);
            Assert.True(run.ExitCode == 0, run + "\nserver stderr:\n" + server.Stderr);
            stdout = run.Stdout;
            server.Signal("TERM");
            exit = await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
            Assert.DoesNotContain(_op.ClientSecret, server.Stderr, StringComparison.Ordinal);
        }

        Assert.Equal(0, exit);
        var seen = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.True(seen.GetProperty("registered").GetBoolean());
        Assert.Equal(1, seen.GetProperty("logins").GetInt32());
        Assert.Equal(["ts-state-0"], seen.GetProperty("states").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(["admin_only", "py_whoami", "whoami"], seen.GetProperty("tools").EnumerateArray().Select(t => t.GetString()));
        var who = seen.GetProperty("who");
        Assert.Equal("alice", who.GetProperty("username").GetString());
        Assert.Equal("alice@example.com", who.GetProperty("email").GetString());
        Assert.Equal("oidc", who.GetProperty("provider").GetString());
        Assert.True(who.GetProperty("has_token").GetBoolean());
        var python = seen.GetProperty("python");
        Assert.Equal("alice", python.GetProperty("username").GetString());
        Assert.True(python.GetProperty("has_token").GetBoolean());
        Assert.True(python.GetProperty("same_token_in_sql").GetBoolean());
        Assert.True(seen.GetProperty("denied").GetProperty("isError").GetBoolean());
        Assert.Equal("Policy enforcement failed: Admins only", seen.GetProperty("denied").GetProperty("text").GetString());
        Assert.True(seen.GetProperty("refreshed").GetBoolean());
        Assert.Equal("alice", seen.GetProperty("whoAgain").GetProperty("username").GetString());

        var audit = Directory.EnumerateFiles(Path.Combine(project.Root, "audit"), "*.jsonl").SelectMany(File.ReadLines)
            .Select(l => JsonDocument.Parse(l).RootElement).Where(r => r.TryGetProperty("operation_name", out _)).ToList();
        Assert.Contains(audit, r => r.GetProperty("operation_name").GetString() == "py_whoami" && r.GetProperty("user_id").GetString() == "alice" && r.GetProperty("caller_type").GetString() == "http");
        Assert.Contains(audit, r => r.GetProperty("operation_name").GetString() == "admin_only" && r.GetProperty("policy_decision").GetString() == "deny");
        Assert.True(File.Exists(Path.Combine(project.Home, ".mxcp", "oauth.db")));
    }

    [Fact]
    public async Task Serve_VerifierMode_AcceptsTheProvidersJwtsAndRefusesOthers()
    {
        using var project = Project($"""
            mode: verifier
            provider: oidc
            oidc:
              config_url: {_op.ConfigUrl}
              client_id: {_op.ClientId}
              client_secret: "${"{"}OIDC_SECRET{"}"}"
              scope: openid profile email
              audience: urn:authdemo
            """);
        await using var server = await ServeProcess.StartAsync(project);
        using var http = new HttpClient();
        foreach (var token in (string?[])[null, "garbage", await _op.SignAsync(new { sub = "mallory", iss = _op.Issuer, aud = "urn:other", exp = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 600 })])
        {
            var request = new HttpRequestMessage(HttpMethod.Post, server.Endpoint) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
            if (token is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
            }

            using var response = await http.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("resource_metadata=", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        var good = await _op.SignAsync(new { sub = "trent", preferred_username = "trent", iss = _op.Issuer, aud = "urn:authdemo", exp = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 600 });
        await using var client = await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = server.Endpoint, AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + good } }),
            cancellationToken: Ct);
        var who = await client.CallToolAsync("whoami", cancellationToken: Ct);
        Assert.Equal("trent", who.StructuredContent!.Value.GetProperty("username").GetString());
    }

    [Fact]
    public async Task Serve_WithoutAuth_ServesAnonymously_AndAuthAddedByAReloadIsRefusedUntilTheRestartEnforcesIt()
    {
        using var project = Project("provider: none");
        using var http = new HttpClient();
        await using (var server = await ServeProcess.StartAsync(project))
        {
            Assert.Contains("auth:       none", server.Banner, StringComparison.Ordinal);
            await using (var client = await server.ConnectAsync(cancellationToken: Ct))
            {
                var who = await client.CallToolAsync("whoami", cancellationToken: Ct);
                Assert.Equal(JsonValueKind.Null, who.StructuredContent!.Value.GetProperty("username").ValueKind);
            }

            // Started without auth, the server has nothing that could enforce an auth block a reload brings.
            AuthProject.WriteAuth(project, Issuer);
            server.Signal("HUP");
            var deadline = DateTime.UtcNow.AddSeconds(30);
            HttpResponseMessage refused;
            while (true)
            {
                refused = await http.SendAsync(Initialize(server.Endpoint), Ct);
                if (refused.StatusCode == HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline)
                {
                    break;
                }

                refused.Dispose();
                await Task.Delay(100, Ct);
            }

            using (refused)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.Contains("the profile configures auth (provider oidc) but this MCP endpoint does not enforce it. If a reload added the auth block, restart the server",
                    await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
            }
        }

        await using var restarted = await ServeProcess.StartAsync(project);
        Assert.Contains("auth:       issuer (oidc)", restarted.Banner, StringComparison.Ordinal);
        using var anonymous = await http.SendAsync(Initialize(restarted.Endpoint), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    private static HttpRequestMessage Initialize(Uri endpoint)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        return request;
    }

    [Theory]
    [InlineData("provider: github\ngithub:\n  client_id: abc\n  callback_path: /github/callback\n  auth_url: https://github.com/login/oauth/authorize\n  token_url: https://github.com/login/oauth/access_token", "auth.github.client_secret is missing")]
    [InlineData("provider: keycloak", "auth.keycloak is missing")]
    [InlineData("mode: verifier\nprovider: google\ngoogle:\n  client_id: a", "auth.mode verifier supports provider oidc only, got 'google'")]
    [InlineData("provider: oidc\noidc:\n  config_url: http://127.0.0.1:9/.well-known/openid-configuration\n  client_id: a\n  client_secret: b\n  scope: openid\n  callback_path: /cb", "cannot be read")]
    public void Serve_AuthThatCannotBeEnforced_RefusesToStartNamingWhatIsMissing(string auth, string expected)
    {
        using var project = Project(auth);
        var run = project.Run("serve", "--port", "0");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(expected, run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Listening on", run.Stdout, StringComparison.Ordinal);
    }
}
