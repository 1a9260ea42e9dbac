using System.Net;
using System.Text.Json;
using Mxcp.Admin.Extensions.Tests.Support;

namespace Mxcp.Admin.Extensions.Tests;

/// <summary>/audit/query with every filter, /audit/stats and /audit/export over real records written by real calls.</summary>
public sealed class AuditRouteTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> QueryAsync(HttpClient http, string query)
    {
        using var response = await http.GetAsync("/audit/query" + query, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
    }

    [Fact]
    public async Task Audit_QueryFiltersStatsAndExport()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = host.SocketClient();
        await using (var client = await host.ConnectAsync())
        {
            for (var i = 0; i < 3; i++)
            {
                await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = $"t{i}" }, cancellationToken: Ct);
            }

            await client.CallToolAsync("guarded", cancellationToken: Ct);
            await client.ReadResourceAsync("ops://info", cancellationToken: Ct);
        }

        // Records are written in batches (at least every second): wait until all five are visible.
        JsonElement all = default;
        for (var i = 0; i < 100; i++)
        {
            all = await QueryAsync(http, "");
            if (all.GetProperty("count").GetInt32() >= 5)
            {
                break;
            }

            await Task.Delay(100, Ct);
        }

        Assert.Equal(5, all.GetProperty("count").GetInt32());
        JsonShape.AssertMatches("audit_record", all.GetProperty("records")[0]);
        Assert.Equal("resource", all.GetProperty("records")[0].GetProperty("operation_type").GetString());

        Assert.Equal(3, (await QueryAsync(http, "?operation_name=echo")).GetProperty("count").GetInt32());
        Assert.Equal(1, (await QueryAsync(http, "?operation_type=resource")).GetProperty("count").GetInt32());
        var denied = await QueryAsync(http, "?operation_status=error");
        Assert.Equal("guarded", Assert.Single(denied.GetProperty("records").EnumerateArray()).GetProperty("operation_name").GetString());
        Assert.Equal(1, (await QueryAsync(http, "?policy_decision=deny")).GetProperty("count").GetInt32());
        Assert.Equal(4, (await QueryAsync(http, "?policy_decision=n/a")).GetProperty("count").GetInt32());
        Assert.Equal(2, (await QueryAsync(http, "?limit=2")).GetProperty("count").GetInt32());
        Assert.Equal(1, (await QueryAsync(http, "?limit=2&offset=4")).GetProperty("count").GetInt32());
        Assert.Equal(5, (await QueryAsync(http, "?schema_name=mxcp.endpoints&caller=x")).GetProperty("count").GetInt32());
        Assert.Equal(0, (await QueryAsync(http, "?start_time=2999-01-01T00:00:00Z")).GetProperty("count").GetInt32());
        Assert.Equal(5, (await QueryAsync(http, "?end_time=2999-01-01T00:00:00Z")).GetProperty("count").GetInt32());
        var session = all.GetProperty("records")[0].GetProperty("session_id").GetString();
        Assert.Equal(5, (await QueryAsync(http, $"?session_id={session}")).GetProperty("count").GetInt32());
        Assert.Equal(0, (await QueryAsync(http, "?user_id=nobody")).GetProperty("count").GetInt32());
        Assert.Equal(0, (await QueryAsync(http, "?trace_id=nothing")).GetProperty("count").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/audit/query?limit=0", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/audit/query?limit=1001", Ct)).StatusCode);
        // Filter values are data, never query text.
        Assert.Equal(0, (await QueryAsync(http, "?operation_name=" + Uri.EscapeDataString("echo' OR '1'='1"))).GetProperty("count").GetInt32());

        var stats = JsonDocument.Parse(await http.GetStringAsync("/audit/stats", Ct)).RootElement;
        JsonShape.AssertMatches("audit_stats", stats);
        Assert.Equal(5, stats.GetProperty("total_records").GetInt32());
        Assert.Equal(4, stats.GetProperty("by_type").GetProperty("tool").GetInt32());
        Assert.Equal(1, stats.GetProperty("by_status").GetProperty("error").GetInt32());

        var jsonl = await http.GetStringAsync("/audit/export?operation_name=echo", Ct);
        var lines = jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, l => Assert.Equal("echo", JsonDocument.Parse(l).RootElement.GetProperty("operation_name").GetString()));
        var csv = await http.GetStringAsync("/audit/export?format=csv", Ct);
        var rows = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("schema_name,schema_version,record_id,timestamp,", rows[0]);
        Assert.Equal(6, rows.Length);
        Assert.DoesNotContain(AdminTestHost.SecretValue, csv + jsonl);
    }
}
