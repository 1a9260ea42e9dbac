using Mxcp.Tests.Shared;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Telemetry;

/// <summary>
/// A collector that refuses connections or never answers: calls succeed as without telemetry, spans that cannot be sent
/// are dropped from a bounded queue, counted, and logged once. The call latencies of each case are written to the test
/// output (they are measurements, not assertions; the only time bound is far below the export timeout).
/// </summary>
public sealed partial class UnreachableCollectorTests
{
    private const int Calls = 60;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex(@"Metrics on (http://\S+/metrics)")]
    private static partial Regex MetricsLine();

    [Fact]
    public async Task Serve_CollectorRefusingOrSilent_CallsUnaffectedDropsCountedAndLoggedOnce()
    {
        var baseline = await MeasureAsync(null);

        var closedPort = LoopbackPort.Refusing(out var closed);
        Measurement refused;
        using (closed)
        {
            refused = await MeasureAsync($"http://127.0.0.1:{closedPort}");
        }

        // A listener that accepts connections and never answers: every export waits for its timeout (30 s here).
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(backlog: 512);
        var accepted = new List<TcpClient>();
        using var acceptLoop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var acceptTask = Task.Run(async () =>
        {
            while (!acceptLoop.IsCancellationRequested)
            {
                try
                {
                    accepted.Add(await silent.AcceptTcpClientAsync(acceptLoop.Token));
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }, Ct);
        var hanging = await MeasureAsync($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}");
        await acceptLoop.CancelAsync();
        await acceptTask;
        accepted.ForEach(c => c.Dispose());

        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine($"call latency over {Calls} calls (median / p95 / max, ms): without telemetry {baseline.Summary}; collector refusing connections {refused.Summary}; collector never answering {hanging.Summary}");

        // Calls never wait for the collector (an export waits up to 30 s) and never fail because of it.
        Assert.InRange(refused.Max, 0, 10_000);
        Assert.InRange(hanging.Max, 0, 10_000);

        // Refused: every export fails, the spans of the failed batches are counted, one warning says so.
        Assert.True(refused.Metric(@"mxcp_telemetry_export_failures_total\{signal=""traces""\}") > 0, refused.Metrics);
        Assert.True(refused.Metric(@"mxcp_telemetry_spans_dropped_total\{reason=""export_failed""\}") > 0, refused.Metrics);
        Assert.Equal(1, refused.SpanWarnings);

        // Silent: the first batch hangs in its export, the bounded queue fills, further spans are dropped and counted.
        Assert.True(hanging.Metric(@"mxcp_telemetry_spans_dropped_total\{reason=""queue_full""\}") > 0, hanging.Metrics);
        Assert.Equal(1, hanging.SpanWarnings);
        Assert.Equal(0, baseline.SpanWarnings);
    }

    private static async Task<Measurement> MeasureAsync(string? collector)
    {
        using var project = TelemetryProject.Create(collector is null
            ? "mxcp: 1\n"
            : TelemetryProject.Config($"enabled: true\nendpoint: {collector}\nmetrics: {{export_interval: 1}}\n"));
        project.Environment["OTEL_BSP_MAX_QUEUE_SIZE"] = "16";
        project.Environment["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] = "8";
        project.Environment["OTEL_BSP_SCHEDULE_DELAY"] = "50";
        project.Environment["OTEL_EXPORTER_OTLP_TIMEOUT"] = "30000";
        await using var serve = await ServeProcess.StartAsync(project, "--metrics-port", "0");
        var latencies = new List<double>(Calls);
        await using (var client = await TelemetryProject.ConnectAsync(serve, null, Ct))
        {
            // One call first, so that start-up work (the first DuckDB query, JIT) is not measured.
            await client.CallToolAsync("lookup", new Dictionary<string, object?> { ["text"] = "warm-up" }, cancellationToken: Ct);
            for (var i = 0; i < Calls; i++)
            {
                var started = Stopwatch.GetTimestamp();
                var result = await client.CallToolAsync("lookup", new Dictionary<string, object?> { ["text"] = $"call {i}" }, cancellationToken: Ct);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Assert.NotEqual(true, result.IsError);
            }
        }

        var metricsUrl = MetricsLine().Match(serve.Stdout).Groups[1].Value;
        using var http = new HttpClient();
        string metrics;
        if (collector is null)
        {
            metrics = await http.GetStringAsync(metricsUrl, Ct);
        }
        else
        {
            // Give the exporter a moment to fail or to fill its queue.
            await TelemetryProject.WaitForAsync(
                () => http.GetStringAsync(metricsUrl, Ct).GetAwaiter().GetResult().Contains("mxcp_telemetry_spans_dropped_total", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30), () => "dropped spans to be counted");
            metrics = await http.GetStringAsync(metricsUrl, Ct);
        }

        latencies.Sort();
        return new Measurement(latencies, metrics, serve.Stderr);
    }

    private sealed record Measurement(List<double> Latencies, string Metrics, string Stderr)
    {
        public double Max => Latencies[^1];

        public string Summary => string.Create(CultureInfo.InvariantCulture,
            $"{Latencies[Latencies.Count / 2]:0.00} / {Latencies[(int)(Latencies.Count * 0.95)]:0.00} / {Max:0.00}");

        public double Metric(string pattern)
        {
            var match = Regex.Match(Metrics, "^" + pattern + @" (\S+)$", RegexOptions.Multiline);
            return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        }

        /// <summary>Warnings about spans that cannot be sent (an export failing, or the queue full): one per outage.</summary>
        public int SpanWarnings =>
            Stderr.Split('\n').Count(l => l.Contains("warn:", StringComparison.Ordinal)
                && (l.Contains("Telemetry export of traces", StringComparison.Ordinal) || l.Contains("are coming faster than they can be exported", StringComparison.Ordinal)));
    }
}
