using System.Net;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.IntegrationTests.Support;
using Mxcp.IntegrationTests.Telemetry;
using Mxcp.Tests.Shared;

namespace Mxcp.IntegrationTests.Upstream;

/// <summary>
/// Another `mxcp serve` over Streamable HTTP as a quarantined upstream: its prompts and resources held with its tools
/// until approved, then served next to the front's own; the trace context of each call reaching it in the HTTP header;
/// an answer larger than the front's result limit refused with a clear error while everything else keeps serving.
/// </summary>
public sealed class UpstreamProtocolTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, object?> X(int x) => new() { ["x"] = x };

    private static string TelemetryConfig(string project, OtlpReceiver receiver, string service) => $"""
        mxcp: 1
        projects:
          {project}:
            profiles:
              dev:
                telemetry:
                  enabled: true
                  endpoint: {receiver.Endpoint}
                  service_name: {service}
        """;

    [Fact]
    public async Task Serve_QuarantinedHttpUpstream_PromptsAndResourcesHeldThenServedTraceHeaderPropagatedOversizedAnswerRefused()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var upstream = UpstreamTests.UpstreamProject();
        upstream.Write("tools/big.yml", """
            mxcp: 1
            tool:
              name: big
              description: A large text.
              return: {type: string}
              source:
                code: "SELECT repeat('x', 20000)"
            """);
        upstream.Write("prompts/greet.yml", """
            mxcp: 1
            prompt:
              name: greet
              description: Greets someone.
              parameters:
                - {name: who, type: string, description: Whom to greet}
              messages:
                - prompt: "Hello {{ who }}"
            """);
        upstream.Write("resources/readme.yml", """
            mxcp: 1
            resource:
              uri: notes://readme
              name: readme
              description: The notes.
              mime_type: text/plain
              return: {type: string}
              source:
                code: "SELECT 'read me first'"
            """);
        upstream.Write("config.yml", TelemetryConfig("up", receiver, "mxcp-upstream"));
        upstream.Environment["MXCP_CONFIG"] = Path.Combine(upstream.Root, "config.yml");
        upstream.Environment["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        await using var upstreamServer = await ServeProcess.StartAsync(upstream);

        using var front = TestProject.Empty();
        front.Write("mxcp-site.yml", $"""
            mxcp: 1
            project: front
            profile: dev
            limits:
              max_result_bytes: 8000
            upstreams:
              web:
                url: {upstreamServer.Endpoint}
                health_interval: 1
                quarantine: true
            """);
        front.Write("prompts/own.yml", "mxcp: 1\nprompt:\n  name: own\n  description: The project's own prompt.\n  messages:\n    - prompt: Hello\n");
        front.Write("config.yml", TelemetryConfig("front", receiver, "mxcp-front"));
        front.Environment["MXCP_CONFIG"] = Path.Combine(front.Root, "config.yml");
        front.Environment["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        var socket = AdminSocket.NewPath();
        await using var server = await UpstreamTests.WithAdminSocketAsync(front, socket, () => ServeProcess.StartAsync(front));
        using var admin = AdminSocket.Client(socket);
        var (traceparent, traceId, callerSpanId) = TelemetryProject.NewTraceContext();
        await using var client = await TelemetryProject.ConnectAsync(server, new Dictionary<string, string> { ["traceparent"] = traceparent }, Ct, "2025-11-25");

        // Quarantine holds the prompt and the resource with the tools: nothing of the upstream is served yet.
        var pending = (await admin.GetJsonAsync("/upstreams/web", Ct)).GetProperty("pending").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Equal(["big", "double", "prompt:greet", "resource:notes://readme"], pending.Order(StringComparer.Ordinal));
        Assert.Equal(["own"], (await client.ListPromptsAsync(cancellationToken: Ct)).Select(p => p.Name));
        Assert.Empty(await client.ListResourcesAsync(cancellationToken: Ct));

        using (var approved = await admin.PostAsync("/upstreams/web/approve", UpstreamTests.Json("{}"), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        }

        await UpstreamTests.WaitUntilAsync(async () => (await client.ListPromptsAsync(cancellationToken: Ct)).Any(p => p.Name == "web_greet")
            && (await client.ListResourcesAsync(cancellationToken: Ct)).Any(r => r.Uri == "notes://readme")
            && (await client.ListToolsAsync(cancellationToken: Ct)).Any(t => t.Name == "web_double"), () => "the approved prompt, resource and tools");

        // The admin API lists them with what they are served as.
        var detail = await admin.GetJsonAsync("/upstreams/web", Ct);
        var greet = Assert.Single(detail.GetProperty("prompts").EnumerateArray());
        Assert.Equal(("greet", "web_greet", "served"), (greet.GetProperty("name").GetString(), greet.GetProperty("served_as").GetString(), greet.GetProperty("status").GetString()));
        var readme = Assert.Single(detail.GetProperty("resources").EnumerateArray());
        Assert.Equal(("notes://readme", "web_readme", "served"), (readme.GetProperty("uri").GetString(), readme.GetProperty("served_as").GetString(), readme.GetProperty("status").GetString()));
        Assert.Empty(detail.GetProperty("pending").EnumerateArray());

        // Served verbatim and forwarded.
        await using (var direct = await upstreamServer.ConnectAsync(cancellationToken: Ct))
        {
            var original = Assert.Single(await direct.ListPromptsAsync(cancellationToken: Ct)).ProtocolPrompt;
            var served = (await client.ListPromptsAsync(cancellationToken: Ct)).Single(p => p.Name == "web_greet").ProtocolPrompt;
            Assert.Equal(original.Description, served.Description);
            Assert.Equal(original.Arguments!.Select(a => (a.Name, a.Description, a.Required ?? false)), served.Arguments!.Select(a => (a.Name, a.Description, a.Required ?? false)));
            var resource = (await client.ListResourcesAsync(cancellationToken: Ct)).Single(r => r.Uri == "notes://readme").ProtocolResource;
            Assert.Equal("web_readme", resource.Name);
            Assert.Equal("text/plain", resource.MimeType);
            Assert.Equal(
                ((TextResourceContents)Assert.Single((await direct.ReadResourceAsync("notes://readme", cancellationToken: Ct)).Contents)).Text,
                ((TextResourceContents)Assert.Single((await client.ReadResourceAsync("notes://readme", cancellationToken: Ct)).Contents)).Text);
        }

        var greeting = await client.GetPromptAsync("web_greet", new Dictionary<string, object?> { ["who"] = "Ada" }, cancellationToken: Ct);
        Assert.Equal("Hello Ada", ((TextContentBlock)Assert.Single(greeting.Messages).Content).Text);

        // The call's trace context reaches the upstream: its HTTP server span hangs under a span of the front, in the caller's trace.
        Assert.Equal(42, (await client.CallToolAsync("web_double", X(21), cancellationToken: Ct)).StructuredContent!.Value.GetProperty("y").GetInt32());
        await receiver.WaitForAsync(
            r => r.Spans.Any(s => s.Name == "mxcp.endpoint.execute" && Equals(s.Attributes.GetValueOrDefault("mxcp.endpoint.name"), "double")) && r.Spans.Any(s => s.Name == "mxcp.upstream.call" && Equals(s.Attributes.GetValueOrDefault("mxcp.upstream.target"), "double")),
            TimeSpan.FromSeconds(30), "the spans of the front and of the upstream");
        var spans = receiver.Spans.ToList();
        var upstreamExecute = spans.First(s => s.Name == "mxcp.endpoint.execute" && Equals(s.Attributes.GetValueOrDefault("mxcp.endpoint.name"), "double"));
        Assert.Equal(traceId, upstreamExecute.TraceId);
        var call = spans.First(s => s.Name == "mxcp.upstream.call" && Equals(s.Attributes.GetValueOrDefault("mxcp.upstream.target"), "double"));
        Assert.Equal(traceId, call.TraceId);
        // (ASP.NET Core reads the trace context from the traceparent header only; the front's own server spans hang
        // under the caller's span, the upstream's under the front's HTTP client request.)
        bool UpstreamHttpSpanInTrace() => receiver.Spans.Any(s => s.Scope == "Microsoft.AspNetCore" && s.TraceId == traceId
            && Equals(Convert.ToString(s.Attributes.GetValueOrDefault("server.port"), System.Globalization.CultureInfo.InvariantCulture), upstreamServer.Endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            && s.ParentSpanId is { Length: > 0 } parent && parent != callerSpanId);

        await UpstreamTests.WaitUntilAsync(() => Task.FromResult(UpstreamHttpSpanInTrace()),
            () => "the upstream's HTTP server span in the caller's trace; spans:\n" + string.Join("\n", receiver.Spans.Select(s => $"{s.Scope} {s.TraceId} {s}")), 15);

        // An answer larger than the front's limit: a clear error naming the upstream and the limit; the rest keeps serving.
        var big = await client.CallToolAsync("web_big", new Dictionary<string, object?>(), cancellationToken: Ct);
        Assert.True(big.IsError);
        var error = ((TextContentBlock)Assert.Single(big.Content)).Text;
        Assert.Contains("upstream 'web' answered 'big' with", error, StringComparison.Ordinal);
        Assert.Contains("limits.max_result_bytes", error, StringComparison.Ordinal);
        Assert.Equal(42, (await client.CallToolAsync("web_double", X(21), cancellationToken: Ct)).StructuredContent!.Value.GetProperty("y").GetInt32());
        var health = (await admin.GetJsonAsync("/upstreams/web", Ct)).GetProperty("health").GetProperty("state").GetString();
        Assert.Equal("healthy", health);
    }

    [Theory]
    [InlineData("prompts/web_greet.yml", "mxcp: 1\nprompt:\n  name: web_greet\n  description: The project's own.\n  messages:\n    - prompt: Hi\n",
        "upstream 'web': the prompt 'web_greet' has the same name as the prompt of prompts/web_greet.yml")]
    [InlineData("resources/notes.yml", "mxcp: 1\nresource:\n  uri: notes://readme\n  description: The project's own.\n  return: {type: string}\n  source:\n    code: \"SELECT 'mine'\"\n",
        "upstream 'web': the resource 'notes://readme' has the same URI as the resource of resources/notes.yml")]
    public async Task Serve_UpstreamPromptOrResourceLikeAProjectOne_RefusesToStartNamingBoth(string file, string content, string expected)
    {
        using var upstream = UpstreamTests.UpstreamProject();
        upstream.Write("prompts/greet.yml", "mxcp: 1\nprompt:\n  name: greet\n  description: Greets.\n  messages:\n    - prompt: Hello\n");
        upstream.Write("resources/readme.yml", "mxcp: 1\nresource:\n  uri: notes://readme\n  description: The notes.\n  return: {type: string}\n  source:\n    code: \"SELECT 'notes'\"\n");
        await using var upstreamServer = await ServeProcess.StartAsync(upstream);
        using var front = TestProject.Empty();
        front.Write("mxcp-site.yml", $"mxcp: 1\nproject: front\nprofile: dev\nupstreams:\n  web:\n    url: {upstreamServer.Endpoint}\n");
        front.Write(file, content);

        var run = front.Run("serve", "--port", "0");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(expected, run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Listening on", run.Stdout, StringComparison.Ordinal);
    }
}
