using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.IntegrationTests.Support;
using Mxcp.IntegrationTests.Telemetry;
using Mxcp.Tests.Shared;

namespace Mxcp.IntegrationTests.Upstream;

/// <summary>
/// The MCP reference server <c>@modelcontextprotocol/server-everything</c> (from npm, over stdio) as an upstream of
/// <c>mxcp serve</c>: its tools, prompts and resources served with the prefix, progress and cancellation passing through,
/// its <c>list_changed</c> becoming ours, its log messages in Mxcp's log, and the trace context of each call in the
/// requests it receives (its standard input is recorded by <c>tee-stdin.mjs</c>).
/// </summary>
public sealed class EverythingUpstreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Yaml(string value) => JsonSerializer.Serialize(value);

    /// <summary>The installed package's server script; skips the test when npm is not installed at all.</summary>
    internal static async Task<(string Server, string Tee)> InstallAsync()
    {
        if (!OnPath("npm") || !OnPath("node"))
        {
            Assert.Skip("npm and node are not installed on this machine: the reference server @modelcontextprotocol/server-everything cannot be installed");
        }

        var folder = await NodeTools.InstallAsync(Path.Combine(AppContext.BaseDirectory, "Upstream", "everything"), "upstream-everything", Ct);
        var server = Path.Combine(folder, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");
        Assert.True(File.Exists(server), $"npm installed no {server}");
        return (server, Path.Combine(folder, "tee-stdin.mjs"));
    }

    private static bool OnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, command)));

    /// <summary>The JSON-RPC messages the upstream was sent, as recorded.</summary>
    internal static List<JsonObject> Received(string log) =>
        !File.Exists(log) ? [] : [.. File.ReadAllLines(log).Where(l => l.StartsWith('{')).Select(l => JsonNode.Parse(l) as JsonObject).OfType<JsonObject>()];

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    [Fact]
    public async Task Serve_EverythingUpstream_ToolsPromptsResourcesProgressCancellationListChangedLogsAndTraceContext()
    {
        var (serverScript, tee) = await InstallAsync();
        await using var receiver = await OtlpReceiver.StartAsync();
        using var front = TestProject.Empty();
        var log = Path.Combine(front.Root, "upstream-stdin.jsonl");
        front.Write("mxcp-site.yml", $"""
            mxcp: 1
            project: front
            profile: dev
            profiles:
              dev:
                audit:
                  enabled: true
            upstreams:
              everything:
                command: [node, {Yaml(tee)}, {Yaml(log)}, {Yaml(serverScript)}, stdio]
                prefix: ev_
                timeout: 60
            """);
        front.Write("prompts/own.yml", "mxcp: 1\nprompt:\n  name: own\n  description: The project's own prompt.\n  messages:\n    - prompt: Hello\n");
        front.Write("config.yml", $"""
            mxcp: 1
            projects:
              front:
                profiles:
                  dev:
                    telemetry:
                      enabled: true
                      endpoint: {receiver.Endpoint}
                      service_name: mxcp-front
            """);
        front.Environment["MXCP_CONFIG"] = Path.Combine(front.Root, "config.yml");
        front.Environment["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        front.Environment["MXCP_LOG_LEVEL"] = "INFO";

        await using var direct = await McpClient.CreateAsync(
            new StdioClientTransport(new StdioClientTransportOptions { Name = "direct", Command = "node", Arguments = [serverScript, "stdio"] }),
            cancellationToken: Ct);
        await using var server = await ServeProcess.StartAsync(front);
        var (traceparent, traceId, _) = TelemetryProject.NewTraceContext();
        await using var client = await TelemetryProject.ConnectAsync(server, new Dictionary<string, string> { ["traceparent"] = traceparent }, Ct, "2025-11-25");
        var resourcesChanged = 0;
        await using var onResources = client.RegisterNotificationHandler(NotificationMethods.ResourceListChangedNotification, (_, _) =>
        {
            Interlocked.Increment(ref resourcesChanged);
            return default;
        });

        // Tools: served with the prefix, definitions verbatim.
        var directTools = (await direct.ListToolsAsync(cancellationToken: Ct)).ToDictionary(t => t.Name, t => t.ProtocolTool);
        Dictionary<string, Tool> tools = [];
        await UpstreamTests.WaitUntilAsync(async () =>
        {
            tools = (await client.ListToolsAsync(cancellationToken: Ct)).ToDictionary(t => t.Name, t => t.ProtocolTool);
            return tools.ContainsKey("ev_get-sum");
        }, () => $"the upstream's tools; served: {string.Join(", ", tools.Keys)}; log:\n{server.Stderr}");
        foreach (var name in (string[])["echo", "get-sum", "trigger-long-running-operation", "gzip-file-as-resource"])
        {
            var served = tools["ev_" + name];
            Assert.Equal(directTools[name].Description, served.Description);
            Assert.Equal(directTools[name].InputSchema.GetRawText(), served.InputSchema.GetRawText());
        }

        Assert.DoesNotContain(tools.Keys, n => !n.StartsWith("ev_", StringComparison.Ordinal));

        // A call, with the caller's trace context handed on in the request's _meta.
        var sum = await client.CallToolAsync("ev_get-sum", new Dictionary<string, object?> { ["a"] = 2, ["b"] = 3 }, cancellationToken: Ct);
        Assert.NotEqual(true, sum.IsError);
        Assert.Equal(Text(await direct.CallToolAsync("get-sum", new Dictionary<string, object?> { ["a"] = 2, ["b"] = 3 }, cancellationToken: Ct)), Text(sum));
        var sumRequest = Received(log).Single(m => (string?)m["method"] == "tools/call" && (string?)m["params"]!["name"] == "get-sum");
        var sent = (string?)sumRequest["params"]!["_meta"]?["traceparent"];
        Assert.NotNull(sent);
        Assert.Equal(traceId, sent.Split('-')[1]);
        await receiver.WaitForAsync(r => r.Spans.Any(s => s.Name == "mxcp.upstream.call" && Equals(s.Attributes.GetValueOrDefault("mxcp.upstream.target"), "get-sum")), TimeSpan.FromSeconds(30), "the upstream call span");
        var spans = receiver.Spans.ToList();
        var callSpan = spans.First(s => s.Name == "mxcp.upstream.call" && Equals(s.Attributes.GetValueOrDefault("mxcp.upstream.target"), "get-sum"));
        Assert.Equal(traceId, callSpan.TraceId);
        Assert.Equal(3, callSpan.Kind); // client
        Assert.Equal("everything", callSpan.Attributes["mxcp.upstream.name"]);
        var sentSpan = sent.Split('-')[2];
        Assert.True(sentSpan == callSpan.SpanId || spans.Any(s => s.SpanId == sentSpan && s.ParentSpanId == callSpan.SpanId),
            $"the traceparent sent ({sent}) is neither the upstream call span nor its child: {string.Join("; ", spans)}");

        // Progress notifications of the upstream reach the client that asked for them. (They are collected by a handler
        // that outlives the call: the SDK client dispatches incoming messages concurrently, so the last notification may
        // be handled after the result.)
        var progressByToken = new ConcurrentDictionary<string, ConcurrentQueue<ProgressNotificationParams>>();
        await using var onProgress = client.RegisterNotificationHandler(NotificationMethods.ProgressNotification, (notification, _) =>
        {
            var value = notification.Params.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<ProgressNotificationParams>())!;
            progressByToken.GetOrAdd(value.ProgressToken.ToString() ?? "", _ => new()).Enqueue(value);
            return default;
        });
        var done = await client.CallToolAsync("ev_trigger-long-running-operation", new Dictionary<string, object?> { ["duration"] = 1, ["steps"] = 4 },
            options: new RequestOptions { ProgressToken = new ProgressToken("progress-1") }, cancellationToken: Ct);
        Assert.NotEqual(true, done.IsError);
        Assert.Contains("Long running operation completed", Text(done), StringComparison.Ordinal);
        ConcurrentQueue<ProgressNotificationParams> Progress(string token) => progressByToken.GetOrAdd(token, _ => new());
        await UpstreamTests.WaitUntilAsync(() => Task.FromResult(Progress("progress-1").Count >= 4), () => $"4 progress notifications, got {Progress("progress-1").Count}", 10);
        Assert.Equal([1, 2, 3, 4], Progress("progress-1").Select(p => p.Progress.Progress).Order());
        Assert.All(Progress("progress-1"), p => Assert.Equal(4, p.Progress.Total));

        // Cancelling a long call cancels it upstream: the upstream is sent notifications/cancelled for its request.
        using (var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            var call = client.CallToolAsync("ev_trigger-long-running-operation", new Dictionary<string, object?> { ["duration"] = 60, ["steps"] = 60 },
                options: new RequestOptions { ProgressToken = new ProgressToken("progress-2") }, cancellationToken: cancel.Token).AsTask();
            await UpstreamTests.WaitUntilAsync(() => Task.FromResult(!Progress("progress-2").IsEmpty), () => "the long call's first progress notification", 30);
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        }

        await UpstreamTests.WaitUntilAsync(() =>
        {
            var messages = Received(log);
            var request = messages.SingleOrDefault(m => (string?)m["method"] == "tools/call" && (int?)m["params"]?["arguments"]?["duration"] == 60);
            return Task.FromResult(request is not null && messages.Any(m => (string?)m["method"] == "notifications/cancelled"
                && m["params"]?["requestId"]?.ToJsonString() == request["id"]!.ToJsonString()));
        }, () => $"notifications/cancelled for the long call; the upstream received:\n{File.ReadAllText(log)}");

        // Prompts: prefixed, next to the project's own, description and arguments verbatim; prompts/get forwarded.
        var directPrompts = (await direct.ListPromptsAsync(cancellationToken: Ct)).ToDictionary(p => p.Name, p => p.ProtocolPrompt);
        var prompts = (await client.ListPromptsAsync(cancellationToken: Ct)).ToDictionary(p => p.Name, p => p.ProtocolPrompt);
        Assert.Contains("own", prompts.Keys);
        Assert.Equal(directPrompts.Keys.Select(k => "ev_" + k).Append("own").Order(StringComparer.Ordinal), prompts.Keys.Order(StringComparer.Ordinal));
        var args = prompts["ev_args-prompt"];
        Assert.Equal(directPrompts["args-prompt"].Description, args.Description);
        Assert.Equal(
            directPrompts["args-prompt"].Arguments!.Select(a => (a.Name, a.Description, a.Required ?? false)),
            args.Arguments!.Select(a => (a.Name, a.Description, a.Required ?? false)));
        var weather = await client.GetPromptAsync("ev_args-prompt", new Dictionary<string, object?> { ["city"] = "Paris" }, cancellationToken: Ct);
        Assert.Equal("What's weather in Paris?", ((TextContentBlock)Assert.Single(weather.Messages).Content).Text);
        var missing = await Assert.ThrowsAsync<McpProtocolException>(() => client.GetPromptAsync("ev_args-prompt", new Dictionary<string, object?>(), cancellationToken: Ct).AsTask());
        Assert.Contains("city", missing.Message, StringComparison.Ordinal);

        // Resources under the upstream's URIs, named with the prefix, MIME types verbatim; resources/read forwarded.
        var directResources = (await direct.ListResourcesAsync(cancellationToken: Ct)).Select(r => r.ProtocolResource).ToList();
        var resources = (await client.ListResourcesAsync(cancellationToken: Ct)).Select(r => r.ProtocolResource).ToDictionary(r => r.Uri);
        Assert.NotEmpty(directResources);
        foreach (var resource in directResources)
        {
            var served = resources[resource.Uri];
            Assert.Equal("ev_" + resource.Name, served.Name);
            Assert.Equal(resource.MimeType, served.MimeType);
            Assert.Equal(resource.Description, served.Description);
        }

        var document = directResources[0].Uri;
        var read = (TextResourceContents)Assert.Single((await client.ReadResourceAsync(document, cancellationToken: Ct)).Contents);
        Assert.Equal(((TextResourceContents)Assert.Single((await direct.ReadResourceAsync(document, cancellationToken: Ct)).Contents)).Text, read.Text);
        Assert.Equal(document, read.Uri);

        // Resource templates: listed with their URI templates; a concrete URI is read from the upstream.
        var templates = (await client.ListResourceTemplatesAsync(cancellationToken: Ct)).Select(t => t.ProtocolResourceTemplate).ToList();
        Assert.Contains(templates, t => t.UriTemplate == "demo://resource/dynamic/text/{resourceId}" && t.Name.StartsWith("ev_", StringComparison.Ordinal));
        var dynamic = (TextResourceContents)Assert.Single((await client.ReadResourceAsync("demo://resource/dynamic/text/7", cancellationToken: Ct)).Contents);
        Assert.StartsWith("Resource 7: This is a plaintext resource", dynamic.Text, StringComparison.Ordinal);

        // The upstream adds a resource and says so: our clients get resources/list_changed and the new resource.
        var before = Volatile.Read(ref resourcesChanged);
        var gzip = await client.CallToolAsync("ev_gzip-file-as-resource",
            new Dictionary<string, object?> { ["name"] = "hello.txt.gz", ["data"] = "data:text/plain;base64,aGVsbG8gdXBzdHJlYW0=", ["outputType"] = "resourceLink" }, cancellationToken: Ct);
        Assert.NotEqual(true, gzip.IsError);
        await UpstreamTests.WaitUntilAsync(async () => Volatile.Read(ref resourcesChanged) > before
            && (await client.ListResourcesAsync(cancellationToken: Ct)).Any(r => r.Uri == "demo://resource/session/hello.txt.gz"),
            () => $"resources/list_changed and the new resource ({resourcesChanged} notification(s)); log:\n{server.Stderr}");
        var blob = (BlobResourceContents)Assert.Single((await client.ReadResourceAsync("demo://resource/session/hello.txt.gz", cancellationToken: Ct)).Contents);
        Assert.Equal("application/gzip", blob.MimeType);

        // The upstream's log messages are written to Mxcp's log at their level.
        var toggled = await client.CallToolAsync("ev_toggle-simulated-logging", new Dictionary<string, object?>(), cancellationToken: Ct);
        Assert.NotEqual(true, toggled.IsError);
        await UpstreamTests.WaitUntilAsync(() => Task.FromResult(server.Stderr.Split('\n').Any(l => l.Contains("[upstream everything]", StringComparison.Ordinal) && l.Contains("-level message", StringComparison.Ordinal))),
            () => $"an upstream log message in the log:\n{server.Stderr}", 40);

        server.Signal("TERM");
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(60)));

        // prompts/get and resources/read are audited like calls, with the upstream in their execution events.
        var records = UpstreamTests.AuditRecords(front);
        var prompt = records.First(r => r.GetProperty("operation_name").GetString() == "ev_args-prompt" && r.GetProperty("operation_status").GetString() == "success");
        var promptEvent = Assert.Single(prompt.GetProperty("execution_events").EnumerateArray());
        Assert.Equal("everything", promptEvent.GetProperty("upstream").GetString());
        Assert.Equal("args-prompt", promptEvent.GetProperty("prompt").GetString());
        Assert.Contains(records, r => r.GetProperty("execution_events").EnumerateArray()
            .Any(e => e.TryGetProperty("resource", out var uri) && uri.GetString() == "demo://resource/dynamic/text/7" && e.GetProperty("status").GetString() == "success"));
        Assert.Contains(records, r => r.GetProperty("operation_name").GetString() == "ev_trigger-long-running-operation" && r.GetProperty("operation_status").GetString() != "success");
    }

    [Fact]
    public async Task Serve_EverythingUpstream_CompletionsOfPromptsAndResourceTemplatesForwarded()
    {
        var (serverScript, _) = await InstallAsync();
        using var front = TestProject.Empty();
        front.Write("mxcp-site.yml", $"""
            mxcp: 1
            project: front
            profile: dev
            upstreams:
              everything:
                command: [node, {Yaml(serverScript)}, stdio]
                prefix: ev_
                timeout: 60
            """);
        front.Write("prompts/own.yml", "mxcp: 1\nprompt:\n  name: own\n  description: The project's own.\n  parameters:\n    - {name: size, type: string, description: A size, enum: [small, large]}\n  messages:\n    - prompt: Hello\n");
        await using var direct = await McpClient.CreateAsync(
            new StdioClientTransport(new StdioClientTransportOptions { Name = "direct", Command = "node", Arguments = [serverScript, "stdio"] }),
            cancellationToken: Ct);
        await using var server = await ServeProcess.StartAsync(front);
        await using var client = await server.ConnectAsync(cancellationToken: Ct);
        await UpstreamTests.WaitUntilAsync(async () => (await client.ListPromptsAsync(cancellationToken: Ct)).Any(p => p.Name == "ev_completable-prompt"),
            () => $"the upstream's prompts; log:\n{server.Stderr}");

        // A prompt argument: the upstream's own values, asked with its own prompt name.
        var prompt = new PromptReference { Name = "ev_completable-prompt" };
        var departments = await client.CompleteAsync(prompt, "department", "S", cancellationToken: Ct);
        Assert.Equal(["Sales", "Support"], departments.Completion.Values);
        Assert.Equal(
            (await direct.CompleteAsync(new PromptReference { Name = "completable-prompt" }, "department", "S", cancellationToken: Ct)).Completion.Values,
            departments.Completion.Values);

        // The values of the other arguments (the context) reach the upstream.
        var names = await client.CompleteAsync(new CompleteRequestParams
        {
            Ref = prompt,
            Argument = new Argument { Name = "name", Value = "" },
            Context = new CompleteContext { Arguments = new Dictionary<string, string> { ["department"] = "Engineering" } },
        }, Ct);
        Assert.Equal(["Alice", "Bob", "Charlie"], names.Completion.Values);

        // A resource template variable, by the upstream's URI template.
        var template = new ResourceTemplateReference { Uri = "demo://resource/dynamic/text/{resourceId}" };
        Assert.Equal(["7"], (await client.CompleteAsync(template, "resourceId", "7", cancellationToken: Ct)).Completion.Values);
        Assert.Empty((await client.CompleteAsync(template, "resourceId", "seven", cancellationToken: Ct)).Completion.Values);

        // The project's own prompt is still completed by Mxcp.
        Assert.Equal(["large"], (await client.CompleteAsync(new PromptReference { Name = "own" }, "size", "l", cancellationToken: Ct)).Completion.Values);
    }
}
