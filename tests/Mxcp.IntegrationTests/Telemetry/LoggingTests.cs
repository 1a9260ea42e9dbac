using System.Text.Json;
using System.Text.RegularExpressions;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Telemetry;

/// <summary>The logs of `mxcp serve`: levels, JSON lines, access lines, the rotating log file, one-line configuration errors.</summary>
public sealed partial class LoggingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The line shape the operations guide's Promtail and Fluentd configurations parse.
    [GeneratedRegex(@"^(\S+) - (\S+) - (\w+) - (.*)$")]
    private static partial Regex GuideLine();

    [Fact]
    public async Task Serve_JsonFormat_WritesOneObjectPerLineWithAccessLinesAndNoSecrets()
    {
        using var project = TelemetryProject.Create("""
            mxcp: 1
            projects:
              observed:
                profiles:
                  dev:
                    secrets:
                      - {name: api, type: custom, parameters: {token: "secret-token-31337"}}
            """);
        project.Environment["MXCP_LOG_FORMAT"] = "json";
        project.Environment["MXCP_LOG_LEVEL"] = "INFO";
        await using var serve = await ServeProcess.StartAsync(project);
        var (traceparent, traceId, _) = TelemetryProject.NewTraceContext();
        await using (var client = await TelemetryProject.ConnectAsync(serve, new Dictionary<string, string> { ["traceparent"] = traceparent }, Ct, "2025-11-25"))
        {
            Assert.NotEqual(true, (await client.CallToolAsync("lookup", new Dictionary<string, object?> { ["text"] = "ok", ["note"] = "sensitive-note-2718" }, cancellationToken: Ct)).IsError);

            // A client's mistake: the required text missing, and a secret as the sensitive value.
            var mistake = await client.CallToolAsync("lookup", new Dictionary<string, object?> { ["note"] = "secret-token-31337" }, cancellationToken: Ct);
            Assert.True(mistake.IsError);
        }

        serve.Signal("HUP");
        await TelemetryProject.WaitForAsync(() => serve.Stderr.Contains("Reloaded project observed", StringComparison.Ordinal), TimeSpan.FromSeconds(30), () => "the reload line in:\n" + serve.Stderr);
        serve.Signal("TERM");
        Assert.Equal(0, await serve.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        var lines = serve.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var entries = lines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.All(entries, e =>
        {
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", e.GetProperty("timestamp").GetString()!);
            Assert.Contains(e.GetProperty("level").GetString(), (string[])["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]);
            Assert.False(string.IsNullOrEmpty(e.GetProperty("category").GetString()));
            Assert.True(e.TryGetProperty("message", out _));
        });

        var access = entries.Where(e => e.GetProperty("category").GetString() == "Mxcp.Access").ToList();
        Assert.Equal(2, access.Count);
        var ok = access[0];
        Assert.Equal("INFO", ok.GetProperty("level").GetString());
        Assert.Equal(traceId, ok.GetProperty("trace_id").GetString());
        Assert.Matches("^[0-9a-f]{16}$", ok.GetProperty("span_id").GetString()!);
        var fields = ok.GetProperty("attributes");
        Assert.Equal("tools/call", fields.GetProperty("method").GetString());
        Assert.Equal("lookup", fields.GetProperty("endpoint").GetString());
        Assert.Equal("success", fields.GetProperty("status").GetString());
        Assert.True(fields.GetProperty("duration_ms").GetDouble() >= 0);
        Assert.Equal(traceId, fields.GetProperty("trace_id").GetString());
        Assert.False(string.IsNullOrEmpty(fields.GetProperty("session_id").GetString()));

        var bad = access[1];
        Assert.Equal("WARNING", bad.GetProperty("level").GetString());
        Assert.Equal("invalid_arguments", bad.GetProperty("attributes").GetProperty("error_type").GetString());
        Assert.False(bad.TryGetProperty("exception", out _));

        Assert.Contains(entries, e => e.GetProperty("message").GetString()!.StartsWith("Admin socket disabled", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.GetProperty("level").GetString() == "INFO" && e.GetProperty("message").GetString()!.StartsWith("Reloaded project observed (profile dev)", StringComparison.Ordinal));

        // No stack traces for a client's mistake, no sensitive value and no secret anywhere.
        Assert.DoesNotContain("   at ", serve.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("sensitive-note-2718", serve.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token-31337", serve.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_LoggingPath_RotatesBySizeAndKeepsBackupCountFiles()
    {
        using var project = TelemetryProject.Create("""
            mxcp: 1
            logging:
              level: INFO
              path: logs/mxcp.log
              max_bytes: 2048
              backup_count: 2
            """);
        await using var serve = await ServeProcess.StartAsync(project);
        await using (var client = await TelemetryProject.ConnectAsync(serve, null, Ct))
        {
            for (var i = 0; i < 40; i++)
            {
                await client.CallToolAsync("lookup", new Dictionary<string, object?> { ["text"] = $"call {i}" }, cancellationToken: Ct);
            }
        }

        serve.Signal("TERM");
        Assert.Equal(0, await serve.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        var logs = Path.Combine(project.Root, "logs");
        Assert.Equal(["mxcp.log", "mxcp.log.1", "mxcp.log.2"], Directory.GetFiles(logs).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var file in Directory.GetFiles(logs))
        {
            Assert.InRange(new FileInfo(file).Length, 1, 2048);
            Assert.All(File.ReadAllLines(file), line => Assert.Matches(GuideLine(), line));
        }

        // The newest lines are in mxcp.log, the older ones rotated out; the text on stderr is unchanged.
        var newest = File.ReadAllText(Path.Combine(logs, "mxcp.log")) + File.ReadAllText(Path.Combine(logs, "mxcp.log.1"));
        Assert.Contains(" - Mxcp.Access - INFO - tools/call lookup success in ", newest, StringComparison.Ordinal);
        Assert.Contains("info: Mxcp.Access[1] tools/call lookup success", serve.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_InvalidTelemetrySettings_AreOneLineErrors()
    {
        using var project = TelemetryProject.Create(TelemetryProject.Config("enabled: true\nendpoint: collector:4318\n"));
        var badEndpoint = project.Run("serve", "--port", "0");
        Assert.Equal(1, badEndpoint.ExitCode);
        var line = Assert.Single(badEndpoint.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^Error: .*config\.yml:\d+:\d+: projects\.observed\.profiles\.dev\.telemetry\.endpoint: expected an http:// or https:// URL", line);

        project.Write("config.yml", TelemetryProject.Config("enabled: true\n"));
        var badProtocol = project.RunWith(new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/json" }, "serve", "--port", "0");
        Assert.Equal(1, badProtocol.ExitCode);
        Assert.Equal(
            "Error: environment variable OTEL_EXPORTER_OTLP_PROTOCOL: expected grpc or http/protobuf (http/json is not supported), got 'http/json'",
            Assert.Single(badProtocol.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));

        var badLevel = project.RunWith(new Dictionary<string, string> { ["MXCP_LOG_LEVEL"] = "LOUD" }, "serve", "--port", "0");
        Assert.Equal(1, badLevel.ExitCode);
        Assert.Contains("MXCP_LOG_LEVEL: expected DEBUG, INFO, WARNING, ERROR or CRITICAL, got 'LOUD'", badLevel.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", badEndpoint.Stderr + badProtocol.Stderr + badLevel.Stderr, StringComparison.Ordinal);
    }
}
