using System.Diagnostics;
using ModelContextProtocol.Client;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Telemetry;

/// <summary>
/// A project with a SQL tool (<c>lookup</c>, with a <c>sensitive</c> parameter) and a Python tool (<c>traced</c>, which
/// queries DuckDB through <c>db.execute</c>, logs, and returns the trace context it was given), and a user configuration
/// written by the test.
/// </summary>
internal static class TelemetryProject
{
    public static TestProject Create(string userConfig)
    {
        var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: observed\nprofile: dev\n");
        project.Write("tools/lookup.yml", """
            mxcp: 1
            tool:
              name: lookup
              description: Echoes a text.
              parameters:
                - {name: text, type: string, description: Any text}
                - {name: note, type: string, sensitive: true, default: "", description: A sensitive note}
              return: {type: object, properties: {echo: {type: string}}}
              source: {code: "select $text as echo"}
            """);
        project.Write("python/traced.py", """
            import logging
            from mxcp.runtime import db
            from mxcp.sdk.executor import get_execution_context

            def traced(text: str) -> dict:
                context = get_execution_context()
                logging.getLogger("endpoint").warning("traced was called")
                n = db.execute("SELECT 41 + 1 AS n")[0]["n"]
                return {"traceparent": context.get("traceparent"), "trace_id": context.get("trace_id"), "n": n}
            """);
        project.Write("tools/traced.yml", """
            mxcp: 1
            tool:
              name: traced
              description: Returns its trace context.
              parameters:
                - {name: text, type: string, description: Any text}
              return:
                type: object
                properties:
                  traceparent: {type: string, nullable: true}
                  trace_id: {type: string, nullable: true}
                  n: {type: integer}
              source: {file: ../python/traced.py}
            """);
        project.Write("config.yml", userConfig);
        project.Environment["MXCP_CONFIG"] = Path.Combine(project.Root, "config.yml");
        return project;
    }

    /// <summary>The user configuration with <paramref name="telemetry"/> as the dev profile's telemetry block (YAML, indented by the caller's 0).</summary>
    public static string Config(string telemetry, string topLevel = "") =>
        $"mxcp: 1\n{topLevel}projects:\n  observed:\n    profiles:\n      dev:\n        telemetry:\n{Indent(telemetry, 10)}";

    private static string Indent(string text, int spaces) =>
        string.Join("", text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => new string(' ', spaces) + l + "\n"));

    /// <summary>
    /// An MCP client over Streamable HTTP that sends <paramref name="headers"/> with every request; with
    /// <paramref name="protocolVersion"/> 2025-11-25 it opens a session (2026-07-28 has none).
    /// </summary>
    public static Task<McpClient> ConnectAsync(ServeProcess serve, IDictionary<string, string>? headers, CancellationToken cancellationToken, string? protocolVersion = null) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = serve.Endpoint, TransportMode = HttpTransportMode.StreamableHttp, AdditionalHeaders = headers }),
            new McpClientOptions { ProtocolVersion = protocolVersion, ClientInfo = new() { Name = "telemetry-it", Version = "1" } },
            cancellationToken: cancellationToken);

    /// <summary>A W3C trace context of a caller: a fresh trace id and span id, sampled.</summary>
    public static (string TraceParent, string TraceId, string SpanId) NewTraceContext()
    {
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var spanId = ActivitySpanId.CreateRandom().ToHexString();
        return ($"00-{traceId}-{spanId}-01", traceId, spanId);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds.</summary>
    public static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds} s waiting for {what()}");
            }

            await Task.Delay(100);
        }
    }
}
