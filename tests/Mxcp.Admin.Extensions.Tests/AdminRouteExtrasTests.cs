using System.Net;
using System.Text.Json;
using Mxcp.Admin.Extensions.Tests.Support;

namespace Mxcp.Admin.Extensions.Tests;

/// <summary>
/// The routes the proxy seeds have (endpoint detail, health and history, audit record by id and JSON export, search,
/// diagnostics) and the JSON 404/405 bodies, over the real socket and over MapMxcpAdmin, with golden shapes.
/// </summary>
public sealed class AdminRouteExtrasTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> SendAsync(HttpClient http, HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        var response = await http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    private static async Task<JsonElement> GetAsync(HttpClient http, string path)
    {
        var (status, body, _) = await SendAsync(http, HttpMethod.Get, path);
        Assert.True(status == HttpStatusCode.OK, $"{path}: {(int)status} {body}");
        return body;
    }

    private static Task CallAsync(ModelContextProtocol.Client.McpClient client, string tool, Dictionary<string, object?>? arguments = null) =>
        client.CallToolAsync(tool, arguments, cancellationToken: Ct).AsTask();

    [Fact]
    public async Task EndpointDetailAndHealth_BothMounts_ShowCallsFailuresAndTransitions()
    {
        await using var host = await AdminTestHost.StartAsync();
        await using var client = await host.ConnectAsync();
        await CallAsync(client, "flaky", new() { ["fail"] = false });
        for (var i = 0; i < 3; i++)
        {
            await CallAsync(client, "flaky", new() { ["fail"] = true });
        }

        await CallAsync(client, "flaky", new() { ["fail"] = false });
        await CallAsync(client, "guarded");

        foreach (var (mount, http, prefix) in host.Mounts())
        {
            using var _ = http;
            var detail = await GetAsync(http, $"{prefix}/endpoints/tool/flaky");
            JsonShape.AssertMatches("endpoint_detail", detail);
            Assert.Equal("tools/flaky.yml", detail.GetProperty("path").GetString());
            Assert.Equal("fail", detail.GetProperty("parameters")[0].GetProperty("name").GetString());
            Assert.Equal(5, detail.GetProperty("stats").GetProperty("calls").GetInt32());
            Assert.Equal(3, detail.GetProperty("stats").GetProperty("errors").GetInt32());

            var health = await GetAsync(http, $"{prefix}/endpoints/tool/flaky/health");
            JsonShape.AssertMatches("endpoint_health", health);
            Assert.Equal("healthy", health.GetProperty("state").GetString());
            Assert.Equal(0, health.GetProperty("consecutive_failures").GetInt32());
            Assert.Contains("flaky failed on purpose", health.GetProperty("last_error_message").GetString());
            Assert.NotNull(health.GetProperty("last_success").GetString());

            var history = await GetAsync(http, $"{prefix}/endpoints/tool/flaky/health/history");
            JsonShape.AssertMatches("endpoint_health_history", history);
            var states = history.GetProperty("transitions").EnumerateArray().Select(t => $"{t.GetProperty("from").GetString()}>{t.GetProperty("to").GetString()}").ToList();
            Assert.Equal(["unknown>healthy", "healthy>degraded", "degraded>unhealthy", "unhealthy>healthy"], states);

            // A policy denial is the caller's problem, not the endpoint's: its health stays unknown.
            Assert.Equal("unknown", (await GetAsync(http, $"{prefix}/endpoints/tool/guarded/health")).GetProperty("state").GetString());

            // Resource URIs go URL-encoded.
            Assert.Equal("ops://info", (await GetAsync(http, $"{prefix}/endpoints/resource/{Uri.EscapeDataString("ops://info")}")).GetProperty("uri").GetString());
            var (status, missing, _) = await SendAsync(http, HttpMethod.Get, $"{prefix}/endpoints/tool/nope/health");
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Equal("Endpoint 'tool/nope' not found", missing.GetProperty("message").GetString());
            Assert.True(HttpStatusCode.NotFound == (await SendAsync(http, HttpMethod.Get, $"{prefix}/endpoints/widget/echo")).Status, mount);
        }
    }

    [Fact]
    public async Task EndpointSwitch_IsATransitionInTheHistory()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = host.SocketClient();
        await http.PostAsync("/endpoints/tool/echo/disable", null, Ct);
        Assert.Equal("disabled", (await GetAsync(http, "/endpoints/tool/echo/health")).GetProperty("state").GetString());
        await http.PostAsync("/endpoints/tool/echo/enable", null, Ct);
        var transitions = (await GetAsync(http, "/endpoints/tool/echo/health/history")).GetProperty("transitions").EnumerateArray().ToList();
        Assert.Equal(["disabled by an operator", "enabled by an operator"], transitions.Select(t => t.GetProperty("reason").GetString()));
        Assert.Equal("unknown", transitions[^1].GetProperty("to").GetString());
    }

    [Fact]
    public async Task UnknownPathsAndMethods_AnswerTheAdminErrorEnvelope()
    {
        await using var host = await AdminTestHost.StartAsync();
        foreach (var (mount, http, prefix) in host.Mounts())
        {
            using var _ = http;
            var (status, body, _) = await SendAsync(http, HttpMethod.Get, $"{prefix}/no/such/route");
            Assert.Equal(HttpStatusCode.NotFound, status);
            JsonShape.AssertMatches("error", body);
            Assert.Equal("not_found", body.GetProperty("error").GetString());

            var (methodStatus, methodBody, response) = await SendAsync(http, HttpMethod.Delete, $"{prefix}/health");
            Assert.True(methodStatus == HttpStatusCode.MethodNotAllowed, mount);
            Assert.Equal("method_not_allowed", methodBody.GetProperty("error").GetString());
            Assert.Equal("GET", response.Content.Headers.Allow.Single());

            Assert.Equal(HttpStatusCode.MethodNotAllowed, (await SendAsync(http, HttpMethod.Get, $"{prefix}/reload")).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(http, HttpMethod.Get, $"{prefix}/docs/no-such-asset.js")).Status);
        }

        // Without the token, an unknown path is refused before anything is said about it.
        using var anonymous = host.HttpClient(token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/admin/no/such/route", Ct)).StatusCode);
    }

    [Fact]
    public async Task AuditRecordById_AndJsonExport()
    {
        await using var host = await AdminTestHost.StartAsync();
        await using (var client = await host.ConnectAsync())
        {
            await CallAsync(client, "echo", new() { ["text"] = "one" });
            await CallAsync(client, "guarded");
        }

        using var http = host.SocketClient();
        JsonElement records = default;
        for (var i = 0; i < 100 && (records.ValueKind == JsonValueKind.Undefined || records.GetArrayLength() < 2); i++)
        {
            await Task.Delay(100, Ct);
            records = (await GetAsync(http, "/audit/query")).GetProperty("records");
        }

        var guarded = records.EnumerateArray().Single(r => r.GetProperty("operation_name").GetString() == "guarded");
        var id = guarded.GetProperty("record_id").GetString()!;
        foreach (var (_, client, prefix) in host.Mounts())
        {
            using var __ = client;
            var record = await GetAsync(client, $"{prefix}/audit/{id}");
            JsonShape.AssertMatches("audit_record_denied", record);
            Assert.Equal("deny", record.GetProperty("policy_decision").GetString());
            var (status, body, _) = await SendAsync(client, HttpMethod.Get, $"{prefix}/audit/{Guid.NewGuid()}");
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.StartsWith("Audit record '", body.GetProperty("message").GetString());
            Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(client, HttpMethod.Get, $"{prefix}/audit/{new string('x', 300)}")).Status);
        }

        using var export = await http.GetAsync("/audit/export?format=json&operation_name=echo", Ct);
        Assert.Equal("application/json", export.Content.Headers.ContentType?.MediaType);
        var array = JsonDocument.Parse(await export.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("echo", Assert.Single(array.EnumerateArray()).GetProperty("operation_name").GetString());
        var empty = JsonDocument.Parse(await http.GetStringAsync("/audit/export?format=json&operation_name=nothing", Ct)).RootElement;
        Assert.Equal(0, empty.GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/audit/export?format=xml", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("q=", "q must not be empty")]
    [InlineData("q=a&q=b", "q may be given once")]
    [InlineData("q=echo&limit=abc", "limit must be a whole number from 1 to 100 (was 'abc')")]
    [InlineData("q=echo&limit=0", "limit must be a whole number")]
    [InlineData("q=echo&limit=-3", "limit must be a whole number")]
    [InlineData("type=widget", "type must be tool, resource or prompt (was 'widget')")]
    [InlineData("audit=%ZZ&q=%", null)]
    public async Task EndpointSearch_MalformedQueries_Answer400(string query, string? message)
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = host.SocketClient();
        var (status, body, _) = await SendAsync(http, HttpMethod.Get, "/endpoints?" + query);
        if (message is null)
        {
            // Undecodable percent escapes are kept as they are: a search for "%" that finds nothing.
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(0, body.GetProperty("count").GetInt32());
            return;
        }

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("bad_request", body.GetProperty("error").GetString());
        Assert.StartsWith(message, body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task EndpointSearch_RanksAndFilters()
    {
        await using var host = await AdminTestHost.StartAsync();
        foreach (var (_, http, prefix) in host.Mounts())
        {
            using var __ = http;
            var result = await GetAsync(http, $"{prefix}/endpoints?q=fails%20when%20asked");
            JsonShape.AssertMatches("endpoint_search", result);
            Assert.Equal("flaky", result.GetProperty("endpoints")[0].GetProperty("name").GetString());
            Assert.Equal(0, (await GetAsync(http, $"{prefix}/endpoints?q=flaky&type=prompt")).GetProperty("count").GetInt32());
            Assert.Equal("hello", (await GetAsync(http, $"{prefix}/endpoints?type=prompt")).GetProperty("endpoints").EnumerateArray().Single().GetProperty("name").GetString());
        }
    }

    [Fact]
    public async Task Diagnostics_ReportEveryCheckWithoutSecretValues()
    {
        await using var host = await AdminTestHost.StartAsync();
        foreach (var (_, http, prefix) in host.Mounts())
        {
            using var __ = http;
            var (status, body, response) = await SendAsync(http, HttpMethod.Get, $"{prefix}/diagnostics");
            Assert.Equal(HttpStatusCode.OK, status);
            JsonShape.AssertMatches("diagnostics", body);
            var checks = body.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c);
            Assert.Equal(["config", "secrets", "endpoints", "duckdb", "python", "plugins", "disk", "admin_socket", "clock"], checks.Keys);
            Assert.Equal("ok", checks["secrets"].GetProperty("status").GetString());
            Assert.Equal("1 secret(s) of profile 'dev' resolved: warehouse", checks["secrets"].GetProperty("message").GetString());
            Assert.Equal("warning", checks["endpoints"].GetProperty("status").GetString());
            Assert.Contains("tools/broken.yml", checks["endpoints"].GetProperty("message").GetString());
            Assert.Equal("ok", checks["duckdb"].GetProperty("status").GetString());
            Assert.True(checks["duckdb"].GetProperty("details").GetProperty("open_in_this_process").GetBoolean());
            Assert.Equal("ok", checks["admin_socket"].GetProperty("status").GetString());
            Assert.Equal("0600", checks["admin_socket"].GetProperty("details").GetProperty("mode").GetString());
            Assert.DoesNotContain(AdminTestHost.SecretValue, body.GetRawText());
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task OpenApi_DescribesEveryRoute()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = host.SocketClient();
        var paths = (await GetAsync(http, "/openapi.json")).GetProperty("paths");
        foreach (var (path, method) in new[]
        {
            ("/endpoints/{type}/{name}", "get"), ("/endpoints/{type}/{name}/health", "get"), ("/endpoints/{type}/{name}/health/history", "get"),
            ("/audit/{record_id}", "get"), ("/config", "put"), ("/config", "get"), ("/diagnostics", "get"), ("/endpoints", "get"), ("/ui/", "get"),
        })
        {
            Assert.True(paths.TryGetProperty(path, out var item) && item.TryGetProperty(method, out _), $"{method} {path} is missing from /openapi.json");
        }

        var search = paths.GetProperty("/endpoints").GetProperty("get").GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString());
        Assert.Equal(["q", "limit", "type"], search);
        Assert.True(paths.GetProperty("/config").GetProperty("put").GetProperty("responses").TryGetProperty("413", out _));
    }
}
