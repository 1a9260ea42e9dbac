using System.Text.RegularExpressions;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Telemetry;

/// <summary>The Prometheus listener of `mxcp serve --metrics-port`, scraped by Debian's Prometheus and queried with PromQL.</summary>
public sealed partial class PrometheusScrapeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex(@"Metrics on (http://\S+/metrics)")]
    private static partial Regex MetricsLine();

    [Fact]
    public async Task MetricsPort_ScrapedByPrometheus_AnswersTheGuidesQueries()
    {
        using var project = TelemetryProject.Create("mxcp: 1\n");
        var socket = AdminSocket.NewPath();
        project.Environment["MXCP_ADMIN_ENABLED"] = "1";
        project.Environment["MXCP_ADMIN_SOCKET"] = socket;
        await using var serve = await ServeProcess.StartAsync(project, "--metrics-port", "0");
        var metricsUrl = new Uri(MetricsLine().Match(serve.Stdout).Groups[1].Value);
        await using (var client = await TelemetryProject.ConnectAsync(serve, null, Ct))
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.NotEqual(true, (await client.CallToolAsync("lookup", new Dictionary<string, object?> { ["text"] = "x" }, cancellationToken: Ct)).IsError);
            }

            // A client's mistake: the required text is missing.
            Assert.True((await client.CallToolAsync("lookup", new Dictionary<string, object?> { ["note"] = "n" }, cancellationToken: Ct)).IsError);
        }

        // The text format with Prometheus' names and units.
        using var http = new HttpClient();
        using var response = await http.GetAsync(metricsUrl, Ct);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("# TYPE mxcp_endpoint_requests_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("mxcp_endpoint_requests_total{caller=\"streamable-http\",endpoint=\"lookup\",policy_decision=\"none\",status=\"success\",type=\"tool\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE mxcp_endpoint_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("mxcp_endpoint_duration_seconds_bucket{endpoint=\"lookup\",type=\"tool\",le=\"+Inf\"} 4\n", text, StringComparison.Ordinal);
        Assert.Matches(@"mxcp_up\{profile=""dev"",project=""observed"",version=""[^""]+""\} 1\n", text);
        Assert.Contains("# TYPE mxcp_duckdb_queries_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE mxcp_duckdb_pool_busy gauge\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("_milliseconds", text, StringComparison.Ordinal);

        // The admin socket's /metrics is the same exporter: the same families.
        using var admin = AdminSocket.Client(socket);
        var adminText = await admin.GetStringAsync("/metrics", Ct);
        Assert.Equal(Families(text), Families(adminText));
        var config = await admin.GetJsonAsync("/config", Ct);
        Assert.Equal(metricsUrl.ToString(), config.GetProperty("telemetry").GetProperty("metrics").GetProperty("prometheus").GetString());
        Assert.False(config.GetProperty("telemetry").GetProperty("tracing").GetProperty("enabled").GetBoolean());

        // Prometheus scrapes it and answers PromQL, the operations guide's alert expressions included.
        await using var prometheus = await PrometheusServer.StartAsync(metricsUrl.Authority, Ct);
        await TelemetryProject.WaitForAsync(
            () => Query(prometheus, "sum(mxcp_endpoint_requests_total{endpoint=\"lookup\",status=\"success\"})") == 3,
            TimeSpan.FromSeconds(60), () => "Prometheus to scrape 3 successful calls; its output:\n" + prometheus.Output);
        Assert.Equal(1, Query(prometheus, "sum(mxcp_endpoint_errors_total{endpoint=\"lookup\",error_type=\"invalid_arguments\"})"));
        var p95 = Query(prometheus, "histogram_quantile(0.95, sum by (le) (mxcp_endpoint_duration_seconds_bucket{endpoint=\"lookup\"}))");
        Assert.NotNull(p95);
        Assert.InRange(p95.Value, 0, 300);
        Assert.Equal(1, Query(prometheus, "mxcp_up{project=\"observed\"}"));
        Assert.Equal(1, Query(prometheus, "up{job=\"mxcp\"}"));
    }

    private static double? Query(PrometheusServer prometheus, string promql)
    {
        var result = prometheus.QueryAsync(promql, Ct).GetAwaiter().GetResult();
        return result.Count == 0 ? null : result[0].Value;
    }

    private static List<string> Families(string text) =>
        [.. text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
}
