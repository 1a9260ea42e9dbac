using System.Text.Json;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Admin;

/// <summary>`MXCP_ADMIN_ENABLED=1 mxcp serve` with the seed's curl examples and monitoring script.</summary>
public sealed class AdminSocketScriptTests(SalesSampleFixture sample) : IClassFixture<SalesSampleFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MonitoringScriptAndCurlExamples_WorkAgainstTheSocket()
    {
        var socket = Path.Combine(AdminSocket.NewFolder(), "run", "mxcp.sock");
        sample.Project.Environment["MXCP_ADMIN_ENABLED"] = "true";
        sample.Project.Environment["MXCP_ADMIN_SOCKET"] = socket;
        ServeProcess server;
        try
        {
            server = await ServeProcess.StartAsync(sample.Project);
        }
        finally
        {
            sample.Project.Environment.Remove("MXCP_ADMIN_ENABLED");
            sample.Project.Environment.Remove("MXCP_ADMIN_SOCKET");
        }

        await using (server)
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(socket));
            var env = new Dictionary<string, string> { ["MXCP_ADMIN_SOCKET"] = socket };
            var script = await NodeTools.RunAsync("bash", [Path.Combine(AppContext.BaseDirectory, "Admin", "check-mxcp.sh")], Path.GetTempPath(), TimeSpan.FromMinutes(1), Ct, env);
            Assert.True(script.ExitCode == 0, script.ToString());
            Assert.Matches(@"^OK: MXCP v\d+\.\d+\.\d+, uptime \d+h\d+m\d+s, 5 tools$", script.Stdout.Trim());

            async Task<JsonElement> Curl(params string[] args)
            {
                var run = await NodeTools.RunAsync("curl", ["-s", "--unix-socket", socket, .. args], Path.GetTempPath(), TimeSpan.FromMinutes(1), Ct);
                Assert.True(run.ExitCode == 0, run.ToString());
                return JsonDocument.Parse(run.Stdout).RootElement.Clone();
            }

            Assert.Equal("ok", (await Curl("http://localhost/health")).GetProperty("status").GetString());
            Assert.Equal("sales", (await Curl("http://localhost/config")).GetProperty("project").GetString());
            Assert.Equal("reload_initiated", (await Curl("-X", "POST", "http://localhost/reload")).GetProperty("status").GetString());
            Assert.True((await Curl("http://localhost/system/memory")).GetProperty("mxcp_process_rss_bytes").GetInt64() > 0);
            Assert.Equal(0, (await Curl("http://localhost/audit/query?limit=10")).GetProperty("count").GetInt32());

            // SIGHUP goes through the same reload queue and is recorded in /status (a newer last_reload).
            string? before = null;
            for (var i = 0; i < 100 && before is null; i++)
            {
                var settled = (await Curl("http://localhost/status")).GetProperty("reload");
                if (!settled.GetProperty("in_progress").GetBoolean() && settled.GetProperty("last_reload_status").GetString() == "success")
                {
                    before = settled.GetProperty("last_reload").GetString();
                }
                else
                {
                    await Task.Delay(100, Ct);
                }
            }

            Assert.NotNull(before);
            server.Signal("HUP");
            JsonElement reload = default;
            for (var i = 0; i < 100; i++)
            {
                await Task.Delay(100, Ct);
                reload = (await Curl("http://localhost/status")).GetProperty("reload");
                if (reload.GetProperty("last_reload").GetString() != before)
                {
                    break;
                }
            }

            Assert.NotEqual(before, reload.GetProperty("last_reload").GetString());
            Assert.Equal("success", reload.GetProperty("last_reload_status").GetString());
            server.Signal("TERM");
            Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }

        Assert.False(File.Exists(socket), "the socket is removed on exit");
    }
}
