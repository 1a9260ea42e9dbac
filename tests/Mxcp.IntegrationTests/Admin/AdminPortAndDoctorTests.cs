using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Admin;

/// <summary>
/// `mxcp serve --admin-port` (the admin API and the console on a loopback TCP port, behind MXCP_ADMIN_TOKEN),
/// `--search-tool`, and `mxcp doctor` on a real project.
/// </summary>
public sealed partial class AdminPortAndDoctorTests(SalesSampleFixture sample) : IClassFixture<SalesSampleFixture>
{
    private const string Token = "it-admin-token-5521";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex(@"Admin API on (http://\S+)/ \(operator console at \S+/ui/\)")]
    private static partial Regex AdminLine();

    private static async Task<Uri> AdminAddressAsync(ServeProcess server)
    {
        for (var i = 0; i < 300; i++)
        {
            if (AdminLine().Match(server.Stdout) is { Success: true } m)
            {
                return new Uri(m.Groups[1].Value + "/");
            }

            await Task.Delay(100, Ct);
        }

        Assert.Fail($"mxcp serve did not print the admin address.\nstdout:\n{server.Stdout}\nstderr:\n{server.Stderr}");
        return null!;
    }

    [Fact]
    public async Task Serve_AdminPortWithToken_LoopbackAdminApiAndConsoleBehindTheToken()
    {
        sample.Project.Environment["MXCP_ADMIN_TOKEN"] = Token;
        ServeProcess server;
        try
        {
            server = await ServeProcess.StartAsync(sample.Project, "--admin-port", "0", "--search-tool");
        }
        finally
        {
            sample.Project.Environment.Remove("MXCP_ADMIN_TOKEN");
        }

        await using var _ = server;
        var admin = await AdminAddressAsync(server);
        Assert.Equal("127.0.0.1", admin.Host);
        Assert.NotEqual(server.BaseUri.Port, admin.Port);

        using var anonymous = new HttpClient { BaseAddress = admin };
        using (var refused = await anonymous.GetAsync("status", Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.DoesNotContain(Token, await refused.Content.ReadAsStringAsync(Ct));
        }

        using var authorized = new HttpClient { BaseAddress = admin };
        authorized.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var status = JsonDocument.Parse(await authorized.GetStringAsync("status", Ct)).RootElement;
        Assert.Equal("ok", status.GetProperty("status").GetString());

        // The search route and the opt-in MCP tool rank the sample's tool for a task first.
        var found = JsonDocument.Parse(await authorized.GetStringAsync("endpoints?q=best+selling+products+by+revenue", Ct)).RootElement;
        Assert.Equal("top_products", found.GetProperty("endpoints")[0].GetProperty("name").GetString());
        await using var client = await server.ConnectAsync("2025-11-25", cancellationToken: Ct);
        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        Assert.Contains(tools, t => t.Name == "search_tools");

        // A browser without a sign-in is sent to the console's login page.
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = admin };
        using (var console = await noRedirect.GetAsync("ui/endpoints", Ct))
        {
            Assert.Equal(HttpStatusCode.Redirect, console.StatusCode);
            Assert.StartsWith("/ui/login?next=", console.Headers.Location!.OriginalString);
        }

        using (var login = await noRedirect.GetAsync("ui/login", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            Assert.Contains("<h1>Sign in</h1>", await login.Content.ReadAsStringAsync(Ct));
        }
    }

    [Fact]
    public void Serve_AdminPortOutOfRange_UsageError()
    {
        var result = sample.Project.Run("serve", "--admin-port", "70000");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--admin-port must be 0 to 65535 (was 70000)", result.Stdout + result.Stderr);
    }

    [Fact]
    public void Doctor_HealthyProject_EveryCheckAndExit0()
    {
        var human = sample.Project.Run("doctor");
        Assert.True(human.ExitCode == 0, human.ToString());
        foreach (var name in (string[])["config", "secrets", "endpoints", "duckdb", "python", "plugins", "disk", "admin_socket", "clock"])
        {
            Assert.Matches(new Regex($"^(ok     |WARNING|skipped)  {name} ", RegexOptions.Multiline), human.Stdout);
        }

        var json = sample.Project.Run("doctor", "--json-output");
        Assert.Equal(0, json.ExitCode);
        Assert.Equal("ok", json.Json.GetProperty("status").GetString());
        Assert.Equal(9, json.Json.GetProperty("result").GetProperty("checks").GetArrayLength());
    }

    [Fact]
    public void Doctor_UnresolvableSecret_ErrorWithFixAndExit1WithoutTheOtherSecretsValue()
    {
        using var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: doc\nprofile: dev\n");
        var userConfig = project.Write("user-config.yml", """
            mxcp: 1
            projects:
              doc:
                profiles:
                  dev:
                    secrets:
                      - name: db
                        type: database
                        parameters: {password: "visible-nowhere-9911", token: "${DOCTOR_MISSING_VARIABLE}"}
            """);
        project.Write("tools/t.yml", "mxcp: 1\ntool:\n  name: t\n  description: T\n  return: {type: string}\n  source: {code: \"select 'x' as x\"}\n");
        project.Environment["MXCP_CONFIG"] = userConfig;

        var result = project.Run("doctor");
        Assert.Equal(1, result.ExitCode);
        Assert.Matches(new Regex("^ERROR    secrets .*DOCTOR_MISSING_VARIABLE", RegexOptions.Multiline), result.Stdout);
        Assert.Contains("fix: ", result.Stdout);
        Assert.DoesNotContain("visible-nowhere-9911", result.Stdout + result.Stderr);

        var json = project.Run("doctor", "--json-output");
        Assert.Equal(1, json.ExitCode);
        Assert.Equal("error", json.Json.GetProperty("status").GetString());
        var secrets = json.Json.GetProperty("result").GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "secrets");
        Assert.Equal("error", secrets.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(secrets.GetProperty("hint").GetString()));
    }
}
