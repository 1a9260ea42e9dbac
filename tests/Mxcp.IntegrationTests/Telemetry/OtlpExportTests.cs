using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ModelContextProtocol.Client;
using Mxcp.IntegrationTests.Support;
using Mxcp.Tests.Shared;

namespace Mxcp.IntegrationTests.Telemetry;

/// <summary>`mxcp serve` exporting traces and metrics over OTLP to a loopback receiver that decodes the protobuf.</summary>
public sealed class OtlpExportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Serve_HttpProtobuf_ExportsCallSpansWithDuckDbAndPythonChildrenInTheCallersTrace()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var project = TelemetryProject.Create(TelemetryProject.Config($$"""
            enabled: true
            endpoint: {{receiver.Endpoint}}
            service_name: mxcp-it
            headers: {Authorization: "Bearer collector-token-8812"}
            resource_attributes: {team: data}
            metrics: {enabled: true, export_interval: 1}
            """));
        project.Environment["OTEL_BSP_SCHEDULE_DELAY"] = "200";

        // The Python worker's log lines are forwarded at information level.
        project.Environment["MXCP_LOG_LEVEL"] = "INFO";
        var socket = AdminSocket.NewPath();
        project.Environment["MXCP_ADMIN_ENABLED"] = "1";
        project.Environment["MXCP_ADMIN_SOCKET"] = socket;
        await using var serve = await ServeProcess.StartAsync(project);
        var (traceparent, traceId, callerSpanId) = TelemetryProject.NewTraceContext();

        JsonElement traced;
        await using (var client = await TelemetryProject.ConnectAsync(serve, new Dictionary<string, string> { ["traceparent"] = traceparent }, Ct))
        {
            var lookup = await client.CallToolAsync("lookup", new Dictionary<string, object?> { ["text"] = "visible-arg-1234", ["note"] = "hidden-note-5678" }, cancellationToken: Ct);
            Assert.NotEqual(true, lookup.IsError);
            var result = await client.CallToolAsync("traced", new Dictionary<string, object?> { ["text"] = "python-arg-4321" }, cancellationToken: Ct);
            Assert.NotEqual(true, result.IsError);
            traced = result.StructuredContent!.Value;
        }

        await receiver.WaitForAsync(
            r => r.Spans.Count(s => s.Name == "mxcp.endpoint.execute") >= 2 && r.Spans.Count(s => s.Name == "mxcp.duckdb.execute") >= 2 && r.Spans.Any(s => s.Name == "mxcp.python.execute")
                && r.Spans.Any(s => s.Name == "tools/call traced"),
            TimeSpan.FromSeconds(30), "the call spans");
        var spans = receiver.Spans.ToList();
        var lookupSpan = spans.Single(s => s.Name == "mxcp.endpoint.execute" && Equals(s.Attributes["mxcp.endpoint.name"], "lookup"));
        var tracedSpan = spans.Single(s => s.Name == "mxcp.endpoint.execute" && Equals(s.Attributes["mxcp.endpoint.name"], "traced"));
        var pythonSpan = spans.Single(s => s.Name == "mxcp.python.execute");

        // One trace, the caller's: every span of the calls is in it, and the HTTP server spans hang under the caller's span.
        Assert.All(spans.Where(s => s.Scope is "mxcp" or "Experimental.ModelContextProtocol"), s => Assert.Equal(traceId, s.TraceId));
        var httpSpans = spans.Where(s => s.Scope == "Microsoft.AspNetCore").ToList();
        Assert.NotEmpty(httpSpans);
        Assert.All(httpSpans, s => Assert.Equal(callerSpanId, s.ParentSpanId));
        Assert.All(httpSpans, s => Assert.Equal(2, s.Kind));

        // The call span: what ran and how it ended.
        Assert.Equal("tool", lookupSpan.Attributes["mxcp.endpoint.type"]);
        Assert.Equal("sql", lookupSpan.Attributes["mxcp.execution.language"]);
        Assert.Equal("success", lookupSpan.Attributes["mxcp.endpoint.status"]);
        Assert.Equal("none", lookupSpan.Attributes["mxcp.policy.decision"]);
        Assert.Equal("streamable-http", lookupSpan.Attributes["mxcp.transport"]);
        Assert.Equal(1, lookupSpan.Kind);
        Assert.True(lookupSpan.EndNanos > lookupSpan.StartNanos);
        var sdkSpan = spans.Single(s => s.SpanId == lookupSpan.ParentSpanId);
        Assert.Equal("tools/call lookup", sdkSpan.Name);
        Assert.Contains(httpSpans, h => h.SpanId == sdkSpan.ParentSpanId);

        // Children: the DuckDB query of the SQL tool, the Python call, and the query the Python code made.
        var lookupQuery = spans.Single(s => s.Name == "mxcp.duckdb.execute" && s.ParentSpanId == lookupSpan.SpanId);
        Assert.Equal("duckdb", lookupQuery.Attributes["db.system"]);
        Assert.Equal("select", lookupQuery.Attributes["db.operation"]);
        Assert.Matches("^[0-9a-f]{16}$", (string)lookupQuery.Attributes["db.statement.hash"]!);
        Assert.Equal(1L, lookupQuery.Attributes["db.rows_affected"]);
        Assert.Equal(tracedSpan.SpanId, pythonSpan.ParentSpanId);
        Assert.Equal("traced", pythonSpan.Attributes["mxcp.python.name"]);
        Assert.Single(spans, s => s.Name == "mxcp.duckdb.execute" && s.ParentSpanId == pythonSpan.SpanId);

        // The Python code got the W3C trace context of its span.
        Assert.Equal($"00-{traceId}-{pythonSpan.SpanId}-01", traced.GetProperty("traceparent").GetString());
        Assert.Equal(traceId, traced.GetProperty("trace_id").GetString());
        Assert.Equal(42, traced.GetProperty("n").GetInt32());
        Assert.Contains($"WARNING endpoint [trace_id={traceId}]: traced was called", serve.Stderr, StringComparison.Ordinal);

        // Metrics: the guide's names, durations in seconds, mxcp.up.
        await receiver.WaitForAsync(r => r.Metrics.TryGetValue("mxcp.endpoint.requests_total", out var m) && m.Points.Any(p => Equals(p.Attributes["endpoint"], "traced")),
            TimeSpan.FromSeconds(30), "mxcp.endpoint.requests_total for both tools");
        var requests = receiver.Metrics["mxcp.endpoint.requests_total"];
        Assert.Equal("sum", requests.Kind);
        var lookupRequests = requests.Points.Single(p => Equals(p.Attributes["endpoint"], "lookup"));
        Assert.Equal(1, lookupRequests.Value);
        Assert.Equal("success", lookupRequests.Attributes["status"]);
        Assert.Equal("streamable-http", lookupRequests.Attributes["caller"]);
        var duration = receiver.Metrics["mxcp.endpoint.duration"];
        Assert.Equal(("histogram", "s"), (duration.Kind, duration.Unit));
        var lookupDuration = duration.Points.Single(p => Equals(p.Attributes["endpoint"], "lookup"));
        Assert.Equal(1, lookupDuration.Count);
        Assert.InRange(lookupDuration.Value, 0, 30);
        Assert.Equal(new double[] { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300 }, lookupDuration.Bounds);
        Assert.Equal(1, receiver.Metrics["mxcp.up"].Points.Single().Value);
        Assert.Contains("mxcp.duckdb.queries_total", receiver.Metrics.Keys);

        // The resource, and the configured header on every export.
        Assert.Equal("mxcp-it", receiver.Resource["service.name"]);
        Assert.Equal("observed", receiver.Resource["mxcp.project"]);
        Assert.Equal("dev", receiver.Resource["mxcp.profile"]);
        Assert.Equal("dev", receiver.Resource["deployment.environment"]);
        Assert.Equal("data", receiver.Resource["team"]);
        Assert.All(receiver.Headers, h => Assert.Equal("Bearer collector-token-8812", h["authorization"]));

        // No arguments or results leave the server, and the collector's token is in no log line.
        var everything = Encoding.UTF8.GetString(receiver.Bodies.SelectMany(b => b).ToArray());
        Assert.DoesNotContain("visible-arg-1234", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden-note-5678", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("python-arg-4321", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("collector-token-8812", serve.Stderr, StringComparison.Ordinal);

        // The admin API says what is exported, without credentials.
        using var admin = AdminSocket.Client(socket);
        var config = await admin.GetJsonAsync("/config", Ct);
        Assert.True(config.GetProperty("features").GetProperty("telemetry").GetBoolean());
        var telemetry = config.GetProperty("telemetry");
        Assert.Equal(new Uri(receiver.Endpoint, "/v1/traces").ToString(), telemetry.GetProperty("tracing").GetProperty("endpoint").GetString());
        Assert.Equal(new Uri(receiver.Endpoint, "/v1/metrics").ToString(), telemetry.GetProperty("metrics").GetProperty("endpoint").GetString());
        Assert.Equal("http/protobuf", telemetry.GetProperty("protocol").GetString());
        Assert.DoesNotContain("collector-token-8812", config.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_Grpc_ContinuesTheTraceOfMetaTraceparentAndExportsMetrics()
    {
        await using var receiver = await OtlpReceiver.StartAsync(grpc: true);
        // A metrics block without `enabled` turns metrics off, as in the reference; without a tracing block tracing is on.
        using var project = TelemetryProject.Create(TelemetryProject.Config("enabled: true\nmetrics: {enabled: true, export_interval: 1}\n"));
        project.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString();
        project.Environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc";
        project.Environment["OTEL_SERVICE_NAME"] = "mxcp-grpc";
        project.Environment["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        await using var serve = await ServeProcess.StartAsync(project);
        var (traceparent, traceId, callerSpanId) = TelemetryProject.NewTraceContext();

        // The trace context travels in the request's _meta, not in an HTTP header.
        using var http = new HttpClient();
        var session = await PostAsync(http, serve.Endpoint, null, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""");
        await PostAsync(http, serve.Endpoint, session, """{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        var answer = await PostAsync(http, serve.Endpoint, session,
            """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"lookup","arguments":{"text":"grpc"},"_meta":{"traceparent":"TRACEPARENT"}}}""".Replace("TRACEPARENT", traceparent, StringComparison.Ordinal));
        Assert.Contains("\"echo\":\"grpc\"", answer, StringComparison.Ordinal);

        await receiver.WaitForAsync(
            r => r.Spans.Any(s => s.Name == "mxcp.endpoint.execute") && r.Spans.Any(s => s.Name == "mxcp.duckdb.execute") && r.Spans.Any(s => s.Name == "tools/call lookup"),
            TimeSpan.FromSeconds(30), "the call spans over gRPC");
        var spans = receiver.Spans.ToList();
        var sdkSpan = spans.Single(s => s.Name == "tools/call lookup");
        Assert.Equal(traceId, sdkSpan.TraceId);
        Assert.Equal(callerSpanId, sdkSpan.ParentSpanId);
        var callSpan = spans.Single(s => s.Name == "mxcp.endpoint.execute");
        Assert.Equal(sdkSpan.SpanId, callSpan.ParentSpanId);
        Assert.Equal(callSpan.SpanId, spans.Single(s => s.Name == "mxcp.duckdb.execute").ParentSpanId);
        Assert.Equal("mxcp-grpc", receiver.Resource["service.name"]);
        Assert.All(receiver.Headers, h => Assert.StartsWith("application/grpc", h["content-type"], StringComparison.Ordinal));

        await receiver.WaitForAsync(r => r.Metrics.ContainsKey("mxcp.endpoint.requests_total"), TimeSpan.FromSeconds(30), "metrics over gRPC");
        Assert.Equal(1, receiver.Metrics["mxcp.endpoint.requests_total"].Points.Single(p => Equals(p.Attributes["endpoint"], "lookup")).Value);
    }

    [Fact]
    public async Task Serve_ConsoleExport_WritesSpansToTheLog()
    {
        using var project = TelemetryProject.Create(TelemetryProject.Config("enabled: true\ntracing: {enabled: true, console_export: true}\nmetrics: {enabled: false}\n"));
        project.Environment["MXCP_LOG_LEVEL"] = "INFO";
        await using var serve = await ServeProcess.StartAsync(project);
        await using (var client = await TelemetryProject.ConnectAsync(serve, null, Ct))
        {
            await client.CallToolAsync("lookup", new Dictionary<string, object?> { ["text"] = "console" }, cancellationToken: Ct);
        }

        await TelemetryProject.WaitForAsync(() => serve.Stderr.Contains("Span mxcp.endpoint.execute", StringComparison.Ordinal), TimeSpan.FromSeconds(20), () => "a span line in:\n" + serve.Stderr);
        var line = serve.Stderr.Split('\n').First(l => l.Contains("Span mxcp.endpoint.execute", StringComparison.Ordinal));
        Assert.Contains("info: Mxcp.Telemetry.Spans", line, StringComparison.Ordinal);
        Assert.Contains("mxcp.endpoint.name=lookup", line, StringComparison.Ordinal);
        Assert.Matches("trace_id=[0-9a-f]{32} span_id=[0-9a-f]{16}", line);
        Assert.DoesNotContain("console", line.Replace("console_export", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    /// <summary>One JSON-RPC message over Streamable HTTP; returns the session id of an initialize, or the answer's data.</summary>
    private static async Task<string> PostAsync(HttpClient http, Uri endpoint, string? session, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        }

        using var response = await http.SendAsync(request, Ct);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        var text = await response.Content.ReadAsStringAsync(Ct);
        return session is null && response.Headers.TryGetValues("Mcp-Session-Id", out var ids) ? ids.First() : text;
    }
}
