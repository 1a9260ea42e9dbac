using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Mxcp.Admin.Extensions.Tests.Support;

namespace Mxcp.Admin.Extensions.Tests;

/// <summary>MapMxcpAdmin on the app's HTTP port, and the operator extras.</summary>
public sealed partial class AdminHttpMountTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Token_IsRequiredOnTheHttpMount()
    {
        await using var host = await AdminTestHost.StartAsync();
        using (var anonymous = host.HttpClient(token: null))
        {
            using var response = await anonymous.GetAsync("/admin/status", Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
            Assert.Equal("unauthorized", body.GetProperty("error").GetString());
            using var docs = await anonymous.GetAsync("/admin/docs/index.html", Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, docs.StatusCode);
        }

        using (var wrong = host.HttpClient("not-the-token"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/admin/health", Ct)).StatusCode);
        }

        using var right = host.HttpClient();
        Assert.Equal("ok", JsonDocument.Parse(await right.GetStringAsync("/admin/health", Ct)).RootElement.GetProperty("status").GetString());
        Assert.Contains("swagger", await right.GetStringAsync("/admin/docs/index.html", Ct), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Token_FromAnEnvironmentReference()
    {
        Environment.SetEnvironmentVariable("MXCP_TEST_ADMIN_TOKEN", "from-env");
        await using var host = await AdminTestHost.StartAsync(o => o.Token = "${MXCP_TEST_ADMIN_TOKEN}");
        using var right = host.HttpClient("from-env");
        Assert.Equal(HttpStatusCode.OK, (await right.GetAsync("/admin/status", Ct)).StatusCode);
        using var literal = host.HttpClient("${MXCP_TEST_ADMIN_TOKEN}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await literal.GetAsync("/admin/status", Ct)).StatusCode);
    }

    [Fact]
    public async Task NoToken_AnswersLoopbackOnly()
    {
        await using var host = await AdminTestHost.StartAsync(_ => { });
        using var local = host.HttpClient(token: null);
        Assert.Equal(HttpStatusCode.OK, (await local.GetAsync("/admin/status", Ct)).StatusCode);
    }

    [Fact]
    public async Task Token_AlsoAcceptedAsXApiKey()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = host.HttpClient(token: null);
        http.DefaultRequestHeaders.Add("X-API-Key", AdminTestHost.Token);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/admin/status", Ct)).StatusCode);
        using var wrong = host.HttpClient(token: null);
        wrong.DefaultRequestHeaders.Add("X-API-Key", "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/admin/status", Ct)).StatusCode);
    }

    [Fact]
    public async Task NoToken_OnANonLoopbackAddress_IsNotExposed()
    {
        var address = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        if (address is null)
        {
            Assert.Skip("this machine has no non-loopback IPv4 address");
        }

        await using (var open = await AdminTestHost.StartAsync(_ => { }, url: $"http://{address}:0"))
        {
            using var http = open.HttpClient(token: null);
            using var refused = await http.GetAsync("/admin/status", Ct);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("not exposed on non-loopback addresses", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        await using var withToken = await AdminTestHost.StartAsync(url: $"http://{address}:0");
        using var authorized = withToken.HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await authorized.GetAsync("/admin/status", Ct)).StatusCode);
    }

    [Fact]
    public async Task Sessions_ListShowAndTerminate()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = host.HttpClient();
        await using var client = await host.ConnectAsync();
        var sessions = JsonDocument.Parse(await http.GetStringAsync("/admin/sessions", Ct)).RootElement.GetProperty("sessions");
        var session = Assert.Single(sessions.EnumerateArray());
        Assert.Equal(client.SessionId, session.GetProperty("session_id").GetString());
        Assert.Equal("admin-tests", session.GetProperty("client").GetProperty("name").GetString());
        JsonShape.AssertMatches("session", session);

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/admin/sessions/{client.SessionId}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/admin/sessions/nope", Ct)).StatusCode);
        using var deleted = await http.DeleteAsync($"/admin/sessions/{client.SessionId}", Ct);
        Assert.Equal("terminated", JsonDocument.Parse(await deleted.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("status").GetString());
        Assert.Empty(JsonDocument.Parse(await http.GetStringAsync("/admin/sessions", Ct)).RootElement.GetProperty("sessions").EnumerateArray());
    }

    [Fact]
    public async Task Stats_CountCallsErrorsDenialsAndLatency()
    {
        await using var host = await AdminTestHost.StartAsync();
        await using var client = await host.ConnectAsync();
        for (var i = 0; i < 5; i++)
        {
            await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "x" }, cancellationToken: Ct);
        }

        await client.CallToolAsync("guarded", cancellationToken: Ct);
        using var http = host.HttpClient();
        var stats = JsonDocument.Parse(await http.GetStringAsync("/admin/stats", Ct)).RootElement;
        var echo = stats.GetProperty("endpoints").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "echo");
        Assert.Equal(5, echo.GetProperty("calls").GetInt32());
        Assert.Equal(0, echo.GetProperty("errors").GetInt32());
        Assert.True(echo.GetProperty("latency_ms").GetProperty("p50").GetDouble() > 0);
        Assert.True(echo.GetProperty("latency_ms").GetProperty("p99").GetDouble() >= echo.GetProperty("latency_ms").GetProperty("p50").GetDouble());
        var guarded = stats.GetProperty("endpoints").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "guarded");
        Assert.Equal(1, guarded.GetProperty("denials").GetInt32());
        Assert.Equal(1, guarded.GetProperty("errors").GetInt32());
        Assert.Equal(6, stats.GetProperty("totals").GetProperty("calls").GetInt32());
    }

    [GeneratedRegex("""^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (-?[0-9.eE+-]+|\+Inf|NaN)$""")]
    private static partial Regex SampleLine();

    [Fact]
    public async Task Metrics_ArePrometheusTextFromTheMeter()
    {
        await using var host = await AdminTestHost.StartAsync();
        await using var client = await host.ConnectAsync();
        for (var i = 0; i < 3; i++)
        {
            await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "x" }, cancellationToken: Ct);
        }

        using var http = host.HttpClient();
        using var response = await http.GetAsync("/admin/metrics", Ct);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(Ct);

        // Every line is a comment or a valid sample; the request counter and the duration histogram are there.
        var samples = new List<(string Name, string Labels, double Value)>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                Assert.Matches("^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$", line);
                continue;
            }

            var m = SampleLine().Match(line);
            Assert.True(m.Success, line);
            samples.Add((m.Groups[1].Value, m.Groups[3].Value, m.Groups[4].Value == "+Inf" ? double.PositiveInfinity : double.Parse(m.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture)));
        }

        Assert.Contains("# TYPE mxcp_endpoint_requests_total counter", text);
        Assert.Equal(3, samples.Where(s => s.Name == "mxcp_endpoint_requests_total" && s.Labels.Contains("endpoint=\"echo\"")).Sum(s => s.Value));
        Assert.Contains("# TYPE mxcp_endpoint_duration_seconds histogram", text);
        var buckets = samples.Where(s => s.Name == "mxcp_endpoint_duration_seconds_bucket" && s.Labels.Contains("endpoint=\"echo\"")).Select(s => s.Value).ToList();
        Assert.Equal(buckets.Order(), buckets);
        Assert.Equal(3, buckets[^1]);
    }

    [Fact]
    public async Task Events_StreamCallAndPolicyEventsWithPings()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = host.HttpClient();
        http.Timeout = TimeSpan.FromMinutes(2);
        using var response = await http.GetAsync("/admin/events", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        Assert.Equal("event: ping", await reader.ReadLineAsync(Ct));

        await using var client = await host.ConnectAsync();
        await client.CallToolAsync("guarded", cancellationToken: Ct);
        var seen = new List<string>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        while (!seen.Contains("activity.tool_call.completed") && await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                seen.Add(line["event: ".Length..]);
            }
        }

        Assert.Contains("session.opened", seen);
        Assert.Contains("activity.tool_call.started", seen);
        Assert.Contains("activity.policy_decision", seen);
        Assert.True(seen.IndexOf("activity.tool_call.started") < seen.IndexOf("activity.tool_call.completed"));
    }

    [Fact]
    public async Task EndpointSwitch_TakesEffectAtOnceAndSurvivesReload()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = host.HttpClient();
        await using var client = await host.ConnectAsync();
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var _ = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            changed.TrySetResult();
            return ValueTask.CompletedTask;
        });

        // Notifications travel on the session's GET stream, which the client opens after initializing; the session is
        // active (admin API) while it is open.
        for (var i = 0; i < 200 && !JsonDocument.Parse(await http.GetStringAsync($"/admin/sessions/{client.SessionId}", Ct)).RootElement.GetProperty("active").GetBoolean(); i++)
        {
            await Task.Delay(50, Ct);
        }

        using var disabled = await http.PostAsync("/admin/endpoints/tool/echo/disable", null, Ct);
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        await changed.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.DoesNotContain(await client.ListToolsAsync(cancellationToken: Ct), t => t.Name == "echo");
        await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "x" }, cancellationToken: Ct).AsTask());

        await http.PostAsync("/admin/reload", null, Ct);
        await Task.Delay(1500, Ct);
        var endpoints = JsonDocument.Parse(await http.GetStringAsync("/admin/endpoints", Ct)).RootElement.GetProperty("endpoints");
        Assert.Equal("disabled", endpoints.EnumerateArray().Single(e => e.GetProperty("name").GetString() == "echo").GetProperty("status").GetString());
        Assert.DoesNotContain(await client.ListToolsAsync(cancellationToken: Ct), t => t.Name == "echo");

        await http.PostAsync("/admin/endpoints/tool/echo/enable", null, Ct);
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "back" }, cancellationToken: Ct);
        Assert.Equal("back", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/admin/endpoints/tool/nope/disable", null, Ct)).StatusCode);
    }

    [Fact]
    public async Task ConfigValidate_PathAndArchive_ReportEveryErrorChangingNothing()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = host.HttpClient();
        var candidate = Directory.CreateTempSubdirectory("mxcp-candidate").FullName;
        using var cleanup = new FolderCleanup(candidate);
        AdminTestHost.Write(candidate, "mxcp-site.yml", "mxcp: 1\nproject: next\nprofile: dev\n");
        AdminTestHost.Write(candidate, "tools/good.yml", "tool:\n  name: good\n  source: {code: select 1 as one}\n");
        AdminTestHost.Write(candidate, "tools/sql.yml", "tool:\n  name: sql\n  source: {code: selec 1}\n");
        AdminTestHost.Write(candidate, "tools/params.yml", "tool:\n  name: params\n  parameters: [{name: a, type: string}]\n  source: {code: select $b as b}\n");
        AdminTestHost.Write(candidate, "prompts/p.yml", "prompt:\n  name: p\n  messages: [{prompt: \"{{ missing }}\"}]\n");

        using var byPath = await http.PostAsync("/admin/config/validate", new StringContent(JsonSerializer.Serialize(new { path = candidate }), Encoding.UTF8, "application/json"), Ct);
        var report = JsonDocument.Parse(await byPath.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("error", report.GetProperty("status").GetString());
        Assert.Equal(3, report.GetProperty("errors").GetInt32());
        var messages = report.GetProperty("validated").EnumerateArray().Where(v => v.GetProperty("status").GetString() == "error").Select(v => v.GetProperty("message").GetString()).ToList();
        Assert.Contains(messages, m => m!.StartsWith("tools/sql.yml: Source code syntax validation failed", StringComparison.Ordinal));
        Assert.Contains(messages, m => m!.StartsWith("tools/params.yml: Parameter mismatch", StringComparison.Ordinal));
        Assert.Contains(messages, m => m == "prompts/p.yml: Message 0 uses undefined template variables: missing");
        Assert.False(Directory.Exists(Path.Combine(candidate, "data")), "the dry run must not create the candidate's database");

        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in Directory.EnumerateFiles(candidate, "*", SearchOption.AllDirectories))
            {
                archive.CreateEntryFromFile(file, "project/" + Path.GetRelativePath(candidate, file));
            }
        }

        using var upload = new ByteArrayContent(zip.ToArray());
        upload.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/zip");
        using var byArchive = await http.PostAsync("/admin/config/validate", upload, Ct);
        Assert.Equal(3, JsonDocument.Parse(await byArchive.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("errors").GetInt32());

        using var bad = await http.PostAsync("/admin/config/validate", new StringContent("{\"path\":\"/no/such/dir\"}", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task ReloadUnderLoad_CallsKeepSucceedingAcross20Reloads()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = host.HttpClient();
        await using var client = await host.ConnectAsync();
        using var stop = new CancellationTokenSource();
        var failures = 0;
        var calls = 0;
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "x" }, cancellationToken: Ct);
                Interlocked.Increment(ref calls);
                if (result.IsError == true)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }, Ct);

        // Each reload is followed by at least one answered call before the next, so calls and reloads interleave
        // however slow the machine is; a call that never completes after a reload fails the test by its timeout.
        for (var i = 0; i < 20; i++)
        {
            var before = Volatile.Read(ref calls);
            await http.PostAsync("/admin/reload", null, Ct);
            while (Volatile.Read(ref calls) == before && !load.IsCompleted)
            {
                await Task.Delay(10, Ct);
            }
        }

        // While a reload drains, /health still answers.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/admin/health", Ct)).StatusCode);
        await stop.CancelAsync();
        await load;
        Assert.Equal(0, failures);
        Assert.True(calls >= 20, $"only {calls} calls");
        var reload = JsonDocument.Parse(await http.GetStringAsync("/admin/status", Ct)).RootElement.GetProperty("reload");
        Assert.Equal("success", reload.GetProperty("last_reload_status").GetString());
    }
}
