using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.IntegrationTests.Support;
using static Mxcp.IntegrationTests.Upstream.UpstreamTests;

namespace Mxcp.IntegrationTests.Upstream;

/// <summary>
/// Operating upstreams through `mxcp serve`: the circuit breaker, upstreams that answer garbage, hang or cannot be
/// reached, and upstreams added, replaced and removed through the admin API (written into mxcp-site.yml), with the
/// admin event stream. The upstreams are small python3 MCP servers whose behaviour a file switches.
/// </summary>
public sealed class UpstreamOperationsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// A stdio MCP server with the tools <c>echo</c> (no annotations) and <c>look</c> (read-only), and copies of
    /// <c>echo</c> named in its optional second argument (a JSON list). Calls are answered, left unanswered, answered
    /// with a line that is not JSON, or with 64 MiB without a newline, as the mode file (its first argument) says. With
    /// the environment variable <c>FAKE_PROMPT</c> it also has the prompt <c>greet</c> (without the completions capability).
    /// </summary>
    private const string FakeUpstream = """
        import json, os, sys
        mode_file = sys.argv[1]
        prompts = [{"name": "greet", "arguments": [{"name": "who", "required": True}]}] if os.environ.get("FAKE_PROMPT") else []
        def mode():
            try:
                with open(mode_file) as f:
                    return f.read().strip()
            except OSError:
                return "ok"
        def send(message):
            sys.stdout.write(json.dumps(message) + "\n")
            sys.stdout.flush()
        tools = [
            {"name": "echo", "description": "Echoes its arguments.", "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}}},
            {"name": "look", "description": "Reads.", "inputSchema": {"type": "object"}, "annotations": {"readOnlyHint": True}},
        ]
        if len(sys.argv) > 2:
            tools += [dict(tools[0], name=name) for name in json.loads(sys.argv[2])]
        for line in sys.stdin:
            message = json.loads(line)
            ident, method = message.get("id"), message.get("method")
            if ident is None:
                continue
            if method == "initialize":
                capabilities = {"tools": {}, "prompts": {}} if prompts else {"tools": {}}
                send({"jsonrpc": "2.0", "id": ident, "result": {"protocolVersion": message["params"]["protocolVersion"], "capabilities": capabilities, "serverInfo": {"name": "fake", "version": "1"}}})
            elif method == "tools/list":
                send({"jsonrpc": "2.0", "id": ident, "result": {"tools": tools}})
            elif method == "prompts/list":
                send({"jsonrpc": "2.0", "id": ident, "result": {"prompts": prompts}})
            elif method == "tools/call":
                current = mode()
                if current == "hang":
                    continue
                if current == "garbage":
                    sys.stdout.write("<html>this is not JSON-RPC</html>\n")
                    sys.stdout.flush()
                    continue
                if current == "huge":
                    sys.stdout.write("x" * (64 * 1024 * 1024))
                    sys.stdout.flush()
                    continue
                text = json.dumps(message["params"].get("arguments") or {}, sort_keys=True)
                send({"jsonrpc": "2.0", "id": ident, "result": {"content": [{"type": "text", "text": text}]}})
            elif method == "ping":
                send({"jsonrpc": "2.0", "id": ident, "result": {}})
            else:
                send({"jsonrpc": "2.0", "id": ident, "error": {"code": -32601, "message": "Method not found"}})
        """;

    /// <summary>
    /// A Streamable HTTP MCP server (JSON answers, no sessions) with the tool <c>echo</c>; prints its port. As the mode
    /// file (its first argument) says, it answers MCP (<c>ok</c>), every POST with 200 and an HTML page (<c>junk</c>),
    /// only tool calls so (<c>calljunk</c>), or tool calls with a JSON body of 64 MiB (<c>huge</c>).
    /// </summary>
    private const string HttpUpstream = """
        import json, sys
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        mode_file = sys.argv[1]
        def mode():
            try:
                with open(mode_file) as f:
                    return f.read().strip()
            except OSError:
                return "ok"
        class Handler(BaseHTTPRequestHandler):
            def reply(self, status, content_type, body):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                # HTTP/1.0 without keep-alive: the server closes each connection, and says so (a client would otherwise
                # keep it for the next request).
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
            def body(self):
                if "chunked" not in (self.headers.get("Transfer-Encoding") or ""):
                    return self.rfile.read(int(self.headers.get("Content-Length") or 0))
                data = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0], 16)
                    chunk = self.rfile.read(size + 2)
                    if size == 0:
                        return data
                    data += chunk[:-2]
            def do_POST(self):
                try:
                    message = json.loads(self.body())
                except ValueError:
                    return self.reply(400, "text/plain", b"not JSON")
                ident, method, current = message.get("id"), message.get("method"), mode()
                if current == "junk" or (current == "calljunk" and method == "tools/call"):
                    return self.reply(200, "text/html", b"<html>hello</html>")
                if ident is None:
                    return self.reply(202, "application/json", b"")
                if method == "initialize":
                    result = {"protocolVersion": message["params"]["protocolVersion"], "capabilities": {"tools": {}}, "serverInfo": {"name": "web", "version": "1"}}
                elif method == "tools/list":
                    result = {"tools": [{"name": "echo", "description": "Echoes.", "inputSchema": {"type": "object"}}]}
                elif method == "tools/call" and current == "huge":
                    result = {"content": [{"type": "text", "text": "x" * (64 * 1024 * 1024)}]}
                elif method == "tools/call":
                    result = {"content": [{"type": "text", "text": "echoed"}]}
                elif method == "ping":
                    result = {}
                else:
                    answer = {"jsonrpc": "2.0", "id": ident, "error": {"code": -32601, "message": "Method not found"}}
                    return self.reply(200, "application/json", json.dumps(answer).encode())
                self.reply(200, "application/json", json.dumps({"jsonrpc": "2.0", "id": ident, "result": result}).encode())
            def do_GET(self):
                self.reply(405, "text/plain", b"")
            do_DELETE = do_GET
            def log_message(self, *args):
                pass
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """;

    private const string OwnTool = "mxcp: 1\ntool:\n  name: own\n  description: The project's own tool.\n  return: {type: integer}\n  source:\n    code: \"SELECT 7\"\n";

    private static string Yaml(string value) => JsonSerializer.Serialize(value);

    /// <summary>Writes the fake upstream into <paramref name="project"/>; returns its command line and mode file.</summary>
    private static (string[] Command, string ModeFile) Fake(TestProject project, string name = "fake", params string[] moreTools)
    {
        var script = project.Write($"{name}.py", FakeUpstream);
        var mode = Path.Combine(project.Root, $"{name}.mode");
        File.WriteAllText(mode, "ok");
        return (["python3", script, mode, .. moreTools.Length > 0 ? [JsonSerializer.Serialize(moreTools)] : Array.Empty<string>()], mode);
    }

    private static string Flow(string[] command) => "[" + string.Join(", ", command.Select(Yaml)) + "]";

    /// <summary>The text of a call's answer, whether the server answered a tool error or a protocol error.</summary>
    private static async Task<(bool Failed, string Text)> CallAsync(McpClient client, string tool, Dictionary<string, object?>? arguments = null)
    {
        try
        {
            var result = await client.CallToolAsync(tool, arguments ?? new Dictionary<string, object?> { ["text"] = "hi" }, cancellationToken: Ct);
            return (result.IsError == true, string.Join("\n", result.Content.OfType<TextContentBlock>().Select(c => c.Text)));
        }
        catch (McpProtocolException e)
        {
            return (true, e.Message);
        }
    }

    private static JsonElement Upstream(JsonElement list, string name) =>
        list.GetProperty("upstreams").EnumerateArray().Single(u => u.GetProperty("name").GetString() == name);

    [Fact]
    public async Task Serve_GarbageHangingAndUnreachableUpstreams_ClearErrorsCircuitOpensAndClosesTheRestKeepsServing()
    {
        using var front = TestProject.Empty();
        var (command, mode) = Fake(front);
        var webScript = front.Write("web.py", HttpUpstream);
        var webMode = Path.Combine(front.Root, "web.mode");
        File.WriteAllText(webMode, "junk");
        using var web = Process.Start(new ProcessStartInfo("python3", [webScript, webMode]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        try
        {
            var webPort = int.Parse((await web.StandardOutput.ReadLineAsync(Ct))!, System.Globalization.CultureInfo.InvariantCulture);
            var downPort = Mxcp.Tests.Shared.LoopbackPort.Refusing(out var down);
            using var downHolder = down;
            front.Write("mxcp-site.yml", $"""
                mxcp: 1
                project: front
                profile: dev
                upstreams:
                  fake:
                    command: {Flow(command)}
                    timeout: 3
                    health_interval: 1
                    circuit_breaker: {"{"} min_calls: 3, failure_ratio: 0.6, break_seconds: 2 {"}"}
                  web:
                    url: http://127.0.0.1:{webPort}/mcp
                    timeout: 3
                    retries: false
                  down:
                    url: http://127.0.0.1:{downPort}/mcp
                    timeout: 2
                """);
            front.Write("tools/own.yml", OwnTool);
            var socket = AdminSocket.NewPath();
            await using var server = await WithAdminSocketAsync(front, socket, () => ServeProcess.StartAsync(front));
            using var admin = AdminSocket.Client(socket);
            await using var events = await EventStream.OpenAsync(admin);
            await using var client = await server.ConnectAsync(cancellationToken: Ct);

            // Served without the upstreams that cannot be used; those are reported unhealthy with their error.
            await EventuallyAsync(async () => (await ToolNamesAsync(client)).SequenceEqual(["fake_echo", "fake_look", "own"]) ? "" : null, "the fake upstream's tools");
            var list = await admin.GetJsonAsync("/upstreams", Ct);
            foreach (var name in new[] { "web", "down" })
            {
                var health = Upstream(list, name).GetProperty("health");
                Assert.Equal("unhealthy", health.GetProperty("state").GetString());
                Assert.False(string.IsNullOrEmpty(health.GetProperty("last_error").GetString()), name);
                Assert.Equal(0, health.GetProperty("connections").GetInt32());
            }

            Assert.Equal("closed", Upstream(list, "fake").GetProperty("health").GetProperty("circuit").GetString());
            Assert.Equal((false, """{"text": "hi"}"""), await CallAsync(client, "fake_echo"));

            // Garbage on stdout, then no answer at all: each call fails with the upstream's name and the timeout.
            File.WriteAllText(mode, "garbage");
            var garbage = await CallAsync(client, "fake_echo");
            Assert.True(garbage.Failed);
            Assert.Contains("upstream 'fake' did not answer 'echo' within 3 s", garbage.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("circuit breaker", garbage.Text, StringComparison.Ordinal);
            Assert.Equal((false, "7"), await CallAsync(client, "own", []));

            File.WriteAllText(mode, "hang");
            var hung = await CallAsync(client, "fake_echo");
            Assert.True(hung.Failed);
            Assert.Contains("upstream 'fake' did not answer 'echo' within 3 s", hung.Text, StringComparison.Ordinal);
            Assert.DoesNotContain("circuit breaker", hung.Text, StringComparison.Ordinal);

            // Two failures of three calls: the circuit is open and calls are refused without reaching the upstream.
            var refused = await CallAsync(client, "fake_echo");
            Assert.True(refused.Failed);
            Assert.Contains("upstream 'fake' is not called: its circuit breaker is open after repeated failures", refused.Text, StringComparison.Ordinal);
            var detail = await admin.GetJsonAsync("/upstreams/fake", Ct);
            Assert.Equal("open", detail.GetProperty("health").GetProperty("circuit").GetString());
            Assert.Contains(detail.GetProperty("history").EnumerateArray(), h => h.GetProperty("kind").GetString() == "circuit" && h.GetProperty("to").GetString() == "open");
            var opened = await events.WaitForAsync("upstream.circuit", e => e.GetProperty("to").GetString() == "open");
            Assert.Equal("fake", opened.GetProperty("upstream").GetString());
            Assert.Equal((false, "7"), await CallAsync(client, "own", []));

            // The upstream recovers: after the break a call goes through and closes the circuit.
            File.WriteAllText(mode, "ok");
            await EventuallyAsync(async () => (await CallAsync(client, "fake_echo")).Failed ? null : "", "a call after the break", seconds: 30);
            Assert.Equal("closed", (await admin.GetJsonAsync("/upstreams/fake", Ct)).GetProperty("health").GetProperty("circuit").GetString());
            await events.WaitForAsync("upstream.circuit", e => e.GetProperty("to").GetString() == "closed");

            // The unreachable upstream is tried again and again (with backoff), still unhealthy, and nothing else suffers.
            await EventuallyAsync(async () =>
                Upstream(await admin.GetJsonAsync("/upstreams", Ct), "down").GetProperty("health").GetProperty("consecutive_failures").GetInt32() >= 2 ? "" : null,
                "a second attempt to reach the unreachable upstream");
            Assert.Equal(["fake_echo", "fake_look", "own"], await ToolNamesAsync(client));

            // The HTTP upstream that answered junk speaks MCP now: it is connected on a later attempt and served.
            File.WriteAllText(webMode, "ok");
            await EventuallyAsync(async () => (await ToolNamesAsync(client)).Contains("web_echo") ? "" : null, "the recovered HTTP upstream", seconds: 90);
            Assert.Equal((false, "echoed"), await CallAsync(client, "web_echo", []));

            // Its answer to a call is 200 with an HTML page: the call fails with the upstream's name, the rest serves.
            File.WriteAllText(webMode, "calljunk");
            var junk = await CallAsync(client, "web_echo", []);
            Assert.True(junk.Failed);
            Assert.Contains("upstream 'web'", junk.Text, StringComparison.Ordinal);
            Assert.Equal((false, """{"text": "hi"}"""), await CallAsync(client, "fake_echo"));
            Assert.Equal((false, "7"), await CallAsync(client, "own", []));
        }
        finally
        {
            web.Kill();
            await web.WaitForExitAsync(Ct);
        }
    }

    [Fact]
    public async Task Serve_AddReplaceAndDeleteUpstreamThroughAdminApi_WrittenIntoSiteFileAppliedWithListChanged()
    {
        using var front = TestProject.Empty();
        var (command, _) = Fake(front);
        const string Site = "# The front project; keep this comment.\nmxcp: 1\nproject: front\nprofile: dev  # the only one\n";
        front.Write("mxcp-site.yml", Site);
        front.Write("tools/own.yml", OwnTool);
        front.Write("tools/clash_echo.yml", OwnTool.Replace("name: own", "name: clash_echo", StringComparison.Ordinal));
        var socket = AdminSocket.NewPath();
        await using var server = await WithAdminSocketAsync(front, socket, () => ServeProcess.StartAsync(front));
        using var admin = AdminSocket.Client(socket);
        await using var events = await EventStream.OpenAsync(admin);
        await using var client = await server.ConnectAsync("2025-11-25", cancellationToken: Ct);
        var changes = 0;
        await using var handler = client.RegisterNotificationHandler(NotificationMethods.ToolListChangedNotification, (_, _) =>
        {
            Interlocked.Increment(ref changes);
            return ValueTask.CompletedTask;
        });
        Assert.Equal(["clash_echo", "own"], await ToolNamesAsync(client));
        var sitePath = Path.Combine(front.Root, "mxcp-site.yml");

        // Added: checked, written into mxcp-site.yml, connected and served; secrets are not echoed.
        var body = JsonSerializer.Serialize(new { name = "fake", command, env = new { TOKEN = "s3cret-value", USER_HOME = "${HOME}" } });
        using (var added = await admin.PostAsync("/upstreams", Json(body), Ct))
        {
            var text = await added.Content.ReadAsStringAsync(Ct);
            Assert.True(added.StatusCode == HttpStatusCode.Created, text);
            Assert.DoesNotContain("s3cret", text, StringComparison.Ordinal);
            var answer = JsonDocument.Parse(text).RootElement;
            Assert.Equal("[redacted]", answer.GetProperty("config").GetProperty("env").GetProperty("TOKEN").GetString());
            Assert.Equal("${HOME}", answer.GetProperty("config").GetProperty("env").GetProperty("USER_HOME").GetString());
            Assert.Equal("healthy", answer.GetProperty("status").GetProperty("health").GetProperty("state").GetString());
            Assert.Equal(2, answer.GetProperty("status").GetProperty("tools").GetInt32());
        }

        await EventuallyAsync(async () => (await ToolNamesAsync(client)).Contains("fake_echo") ? "" : null, "the added upstream's tools");
        await EventuallyAsync(async () => Volatile.Read(ref changes) >= 1 ? "" : null, "list_changed after the add");
        Assert.Equal((false, """{"text": "hi"}"""), await CallAsync(client, "fake_echo"));
        var site = File.ReadAllText(sitePath);
        Assert.StartsWith(Site, site, StringComparison.Ordinal);
        Assert.Contains("upstreams:\n  fake:\n    command: [python3, ", site, StringComparison.Ordinal);
        Assert.Contains("TOKEN: s3cret-value", site, StringComparison.Ordinal);
        Assert.Equal(["mxcp-site.yml"], Directory.GetFiles(front.Root, "mxcp-site.yml*").Select(Path.GetFileName));
        Assert.Equal("fake", (await events.WaitForAsync("upstream.added", _ => true)).GetProperty("upstream").GetString());

        // Refused, naming the field or both names; the file is left alone.
        async Task<(HttpStatusCode Status, string Message)> RefusedAsync(Task<HttpResponseMessage> request)
        {
            using var response = await request;
            var text = await response.Content.ReadAsStringAsync(Ct);
            return (response.StatusCode, JsonDocument.Parse(text).RootElement.GetProperty("message").GetString()!);
        }

        var again = await RefusedAsync(admin.PostAsync("/upstreams", Json(body), Ct));
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        var bad = await RefusedAsync(admin.PostAsync("/upstreams", Json("""{"name": "bad", "url": "http://127.0.0.1:9/mcp", "timeout": 0}"""), Ct));
        Assert.Equal((HttpStatusCode.BadRequest, "upstreams.bad.timeout: must be a number of seconds greater than 0 and at most 86400, got 0"), bad);
        var prefix = await RefusedAsync(admin.PutAsync("/upstreams/other", Json("""{"url": "http://127.0.0.1:9/mcp", "prefix": "fake_"}"""), Ct));
        Assert.Equal(HttpStatusCode.Conflict, prefix.Status);
        Assert.Contains("'fake_' is also the prefix of upstream 'fake'", prefix.Message, StringComparison.Ordinal);
        Assert.Contains("other", prefix.Message, StringComparison.Ordinal);
        var clash = await RefusedAsync(admin.PutAsync("/upstreams/clash", Json(JsonSerializer.Serialize(new { command })), Ct));
        Assert.Equal(HttpStatusCode.Conflict, clash.Status);
        Assert.Contains("the tool 'clash_echo' has the same name as the tool of tools/clash_echo.yml", clash.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("clash", File.ReadAllText(sitePath), StringComparison.Ordinal);
        Assert.DoesNotContain("other", File.ReadAllText(sitePath), StringComparison.Ordinal);
        Assert.Equal((false, "7"), await CallAsync(client, "clash_echo", []));

        // Replaced: a new prefix renames the tools.
        using (var replaced = await admin.PutAsync("/upstreams/fake", Json(JsonSerializer.Serialize(new { command, prefix = "f2_" })), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
            Assert.False(JsonDocument.Parse(await replaced.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("created").GetBoolean());
        }

        await EventuallyAsync(async () => (await ToolNamesAsync(client)).SequenceEqual(["clash_echo", "f2_echo", "f2_look", "own"]) ? "" : null, "the renamed tools");
        Assert.DoesNotContain("s3cret", File.ReadAllText(sitePath), StringComparison.Ordinal);

        // Bulk: per-name results.
        using (var bulk = await admin.PostAsync("/upstreams/disable", Json("""{"names": ["fake", "nope"]}"""), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, bulk.StatusCode);
            var results = JsonDocument.Parse(await bulk.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("results").EnumerateArray().ToList();
            Assert.Equal([200, 404], results.Select(r => r.GetProperty("status").GetInt32()));
            Assert.True(results[0].GetProperty("result").GetProperty("changed").GetBoolean());
            Assert.Equal("not_found", results[1].GetProperty("error").GetProperty("error").GetString());
        }

        await EventuallyAsync(async () => (await ToolNamesAsync(client)).Contains("f2_echo") ? null : "", "the disabled upstream's tools to leave");
        using (var bulk = await admin.PostAsync("/upstreams/enable", Json("""{"names": ["fake"]}"""), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, bulk.StatusCode);
        }

        await EventuallyAsync(async () => (await ToolNamesAsync(client)).Contains("f2_echo") ? "" : null, "the enabled upstream's tools");

        // Quarantine switched on at runtime: the tools are held (an event says so) until a bulk approval serves them again.
        using (var replaced = await admin.PutAsync("/upstreams/fake", Json(JsonSerializer.Serialize(new { command, prefix = "f2_", quarantine = true })), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        }

        Assert.Equal(["clash_echo", "own"], await ToolNamesAsync(client));
        var held = await events.WaitForAsync("upstream.quarantine", e => e.GetProperty("upstream").GetString() == "fake");
        Assert.Equal(["echo", "look"], held.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        using (var bulk = await admin.PostAsync("/upstreams/approve", Json("""{"names": ["fake"]}"""), Ct))
        {
            var result = Assert.Single(JsonDocument.Parse(await bulk.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("results").EnumerateArray());
            Assert.Equal(2, result.GetProperty("result").GetProperty("approved").GetArrayLength());
        }

        var approved = await events.WaitForAsync("upstream.approved", e => e.GetProperty("upstream").GetString() == "fake");
        Assert.Equal(2, approved.GetProperty("tools").GetArrayLength());
        await EventuallyAsync(async () => (await ToolNamesAsync(client)).Contains("f2_look") ? "" : null, "the approved tools");

        // Deleted: gone from the file and from what is served.
        var before = Volatile.Read(ref changes);
        using (var deleted = await admin.DeleteAsync("/upstreams/fake", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        Assert.Equal(["clash_echo", "own"], await ToolNamesAsync(client));
        await EventuallyAsync(async () => Volatile.Read(ref changes) > before ? "" : null, "list_changed after the delete");
        Assert.DoesNotContain("fake", File.ReadAllText(sitePath), StringComparison.Ordinal);
        Assert.StartsWith(Site, File.ReadAllText(sitePath), StringComparison.Ordinal);
        Assert.Empty((await admin.GetJsonAsync("/upstreams", Ct)).GetProperty("upstreams").EnumerateArray());
        await events.WaitForAsync("upstream.removed", e => e.GetProperty("upstream").GetString() == "fake");
        using (var missing = await admin.DeleteAsync("/upstreams/fake", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }
    }

    [Fact]
    public async Task Serve_TwoUpstreamsServingTheSameToolName_FirstByNameServesItTheOtherLoggedOnceAndListedNotServed()
    {
        // "b" (declared first) serves echo and look as a_b_echo and a_b_look; "a" serves echo, look and b_echo as a_echo,
        // a_look and a_b_echo.
        using var front = TestProject.Empty();
        var (commandB, _) = Fake(front, "b");
        var (commandA, _) = Fake(front, "a", "b_echo");
        front.Write("mxcp-site.yml", $"""
            mxcp: 1
            project: front
            profile: dev
            upstreams:
              b:
                command: {Flow(commandB)}
                prefix: a_b_
              a:
                command: {Flow(commandA)}
            """);
        front.Write("tools/own.yml", OwnTool);
        var socket = AdminSocket.NewPath();
        await using var server = await WithAdminSocketAsync(front, socket, () => ServeProcess.StartAsync(front));
        using var admin = AdminSocket.Client(socket);
        await using var client = await server.ConnectAsync(cancellationToken: Ct);
        string[] expected = ["a_b_echo", "a_b_look", "a_echo", "a_look", "own"];
        await EventuallyAsync(async () => (await ToolNamesAsync(client)).SequenceEqual(expected) ? "" : null, "the tools of both upstreams");

        // The clash is told once, naming both upstreams and both tools.
        const string Line = "Upstream b: the tool 'a_b_echo' (tool 'echo' of upstream 'b') has the same served name as tool 'b_echo' of upstream 'a' (give one of them another prefix); it is not served";
        await EventuallyAsync(() => Task.FromResult(server.Stderr.Contains(Line, StringComparison.Ordinal) ? "" : null), "the log line of the clash");

        // The admin API: a_b_echo is "a"'s; "b" lists its echo as not served, with the reason.
        var detailA = await admin.GetJsonAsync("/upstreams/a", Ct);
        var served = detailA.GetProperty("tools").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "b_echo");
        Assert.Equal(("a_b_echo", "served"), (served.GetProperty("served_as").GetString(), served.GetProperty("status").GetString()));
        Assert.Empty(detailA.GetProperty("not_served").EnumerateArray());
        var detailB = await admin.GetJsonAsync("/upstreams/b", Ct);
        var tools = detailB.GetProperty("tools").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("status").GetString());
        Assert.Equal("not_served", tools["echo"]);
        Assert.Equal("served", tools["look"]);
        var notServed = Assert.Single(detailB.GetProperty("not_served").EnumerateArray());
        Assert.Equal("tool", notServed.GetProperty("kind").GetString());
        Assert.Equal("echo", notServed.GetProperty("name").GetString());
        Assert.Equal("the tool 'a_b_echo' (tool 'echo' of upstream 'b') has the same served name as tool 'b_echo' of upstream 'a' (give one of them another prefix)", notServed.GetProperty("reason").GetString());
        Assert.Equal(1, Upstream(await admin.GetJsonAsync("/upstreams", Ct), "b").GetProperty("tools").GetInt32());

        // Without "a" the name is "b"'s; with "a" back it is "a"'s again, and the clash is not logged a second time.
        using (var disabled = await admin.PostAsync("/upstreams/a/disable", null, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        }

        await EventuallyAsync(async () => (await ToolNamesAsync(client)).SequenceEqual(["a_b_echo", "a_b_look", "own"]) ? "" : null, "the tools of \"b\" alone");
        Assert.Empty((await admin.GetJsonAsync("/upstreams/b", Ct)).GetProperty("not_served").EnumerateArray());
        using (var enabled = await admin.PostAsync("/upstreams/a/enable", null, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        }

        await EventuallyAsync(async () => (await ToolNamesAsync(client)).SequenceEqual(expected) ? "" : null, "the tools of both upstreams again");
        Assert.Single((await admin.GetJsonAsync("/upstreams/b", Ct)).GetProperty("not_served").EnumerateArray());
        Assert.Equal(1, server.Stderr.Split(Line).Length - 1);
    }

    [Fact]
    public async Task Serve_UpstreamWithoutCompletionsCapability_CompletionOfItsPromptAnsweredWithNoValues()
    {
        using var front = TestProject.Empty();
        var (command, _) = Fake(front);
        front.Write("mxcp-site.yml", $"""
            mxcp: 1
            project: front
            profile: dev
            upstreams:
              fake:
                command: {Flow(command)}
                env: {"{"} FAKE_PROMPT: "1" {"}"}
            """);
        await using var server = await ServeProcess.StartAsync(front);
        await using var client = await server.ConnectAsync(cancellationToken: Ct);
        await EventuallyAsync(async () => (await client.ListPromptsAsync(cancellationToken: Ct)).Any(p => p.Name == "fake_greet") ? "" : null, "the upstream's prompt");

        // The upstream would answer completion/complete with "Method not found": it is not asked.
        var completion = await client.CompleteAsync(new PromptReference { Name = "fake_greet" }, "who", "A", cancellationToken: Ct);
        Assert.Empty(completion.Completion.Values);
        Assert.NotEqual(true, completion.Completion.HasMore);
    }

    /// <summary>The peak resident memory of a process (Linux: VmHWM of /proc/pid/status), in bytes.</summary>
    private static long PeakMemory(int pid) =>
        long.Parse(File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;

    [Fact]
    public async Task Serve_UpstreamsSendingMessagesOverTheLimit_CallsFailClearlyMemoryStaysBoundedStdioUpstreamRestarted()
    {
        using var front = TestProject.Empty();
        var (command, mode) = Fake(front, "big");
        var webScript = front.Write("web.py", HttpUpstream);
        var webMode = Path.Combine(front.Root, "web.mode");
        File.WriteAllText(webMode, "ok");
        using var web = Process.Start(new ProcessStartInfo("python3", [webScript, webMode]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        try
        {
            var webPort = int.Parse((await web.StandardOutput.ReadLineAsync(Ct))!, System.Globalization.CultureInfo.InvariantCulture);
            // One upstream message may take 2 × 1,000,000 bytes + 1 MiB = 3,048,576 bytes.
            front.Write("mxcp-site.yml", $"""
                mxcp: 1
                project: front
                profile: dev
                limits:
                  max_result_bytes: 1000000
                upstreams:
                  big:
                    command: {Flow(command)}
                    timeout: 20
                  web:
                    url: http://127.0.0.1:{webPort}/mcp
                    timeout: 20
                """);
            front.Write("tools/own.yml", OwnTool);
            var socket = AdminSocket.NewPath();
            await using var server = await WithAdminSocketAsync(front, socket, () => ServeProcess.StartAsync(front));
            using var admin = AdminSocket.Client(socket);
            await using var client = await server.ConnectAsync(cancellationToken: Ct);
            await EventuallyAsync(async () => (await ToolNamesAsync(client)).SequenceEqual(["big_echo", "big_look", "own", "web_echo"]) ? "" : null, "the upstreams' tools");
            Assert.Equal((false, """{"text": "hi"}"""), await CallAsync(client, "big_echo"));
            var peakBefore = OperatingSystem.IsLinux() ? PeakMemory(server.Pid) : 0;

            // 64 MiB on one line: the call fails naming the upstream and the limit, and the error is logged.
            File.WriteAllText(mode, "huge");
            var huge = await CallAsync(client, "big_echo");
            Assert.True(huge.Failed);
            const string TooLarge = "upstream 'big' sent a line on standard output of more than 3,048,576 bytes, the most one upstream message may take (twice limits.max_result_bytes plus 1 MiB); the connection is closed and the upstream restarted";
            Assert.True(huge.Text.Contains(TooLarge, StringComparison.Ordinal), $"the call answered: {huge.Text}\nlog:\n{server.Stderr}");
            await EventuallyAsync(() => Task.FromResult(server.Stderr.Contains(TooLarge, StringComparison.Ordinal) ? "" : null), "the error in the log");
            Assert.Equal((false, "7"), await CallAsync(client, "own", []));
            Assert.Equal((false, "echoed"), await CallAsync(client, "web_echo", []));

            // The upstream was unhealthy with that error, then connected again (a new process).
            var lastDetail = "";
            try
            {
                await EventuallyAsync(async () =>
                {
                    var detail = await admin.GetJsonAsync("/upstreams/big", Ct);
                    lastDetail = detail.ToString();
                    var health = detail.GetProperty("health");
                    return health.GetProperty("state").GetString() == "healthy" && health.GetProperty("connections").GetInt32() >= 2
                        && detail.GetProperty("history").EnumerateArray().Any(h => h.GetProperty("to").GetString() == "unhealthy"
                            && (h.GetProperty("error").GetString() ?? "").Contains("more than 3,048,576 bytes", StringComparison.Ordinal)) ? "" : null;
                }, "the upstream unhealthy with the error, then healthy on a new connection");
            }
            catch (Xunit.Sdk.FailException e)
            {
                Assert.Fail($"{e.Message}; GET /upstreams/big last answered: {lastDetail}\nlog:\n{server.Stderr}");
            }

            File.WriteAllText(mode, "ok");
            Assert.Equal((false, """{"text": "hi"}"""), await CallAsync(client, "big_echo"));

            // A JSON body of 64 MiB from the HTTP upstream: the call fails the same way; the upstream stays connected.
            File.WriteAllText(webMode, "huge");
            var hugeBody = await CallAsync(client, "web_echo", []);
            Assert.True(hugeBody.Failed);
            Assert.Contains("upstream 'web' sent a response body of more than 3,048,576 bytes", hugeBody.Text, StringComparison.Ordinal);
            File.WriteAllText(webMode, "ok");
            var after = await CallAsync(client, "web_echo", []);
            Assert.True(after == (false, "echoed"), $"the call after the oversize body answered: {after.Text}\nlog:\n{server.Stderr}");

            // Neither message was read whole: 64 MiB of text is 128 MiB as a .NET string.
            if (OperatingSystem.IsLinux())
            {
                var grown = PeakMemory(server.Pid) - peakBefore;
                Assert.True(grown < 48L * 1024 * 1024, $"the server's peak memory grew by {grown:N0} bytes");
            }
        }
        finally
        {
            web.Kill();
            await web.WaitForExitAsync(Ct);
        }
    }

    [Theory]
    [InlineData("    circuit_breaker: {failure_ratio: 2}\n", "mxcp-site.yml:7:38: upstreams.shop.circuit_breaker.failure_ratio: must be a number greater than 0 and at most 1 (the share of failed calls that opens the circuit), got 2")]
    [InlineData("    retries:\n      max_attempts: -1\n", "mxcp-site.yml:8:21: upstreams.shop.retries.max_attempts: must be a whole number from 0 to 10, got -1")]
    public void Validate_BadRetriesOrCircuitBreaker_NamesFileLineAndKey(string extra, string expected)
    {
        using var front = TestProject.Empty();
        front.Write("mxcp-site.yml", "mxcp: 1\nproject: front\nprofile: dev\nupstreams:\n  shop:\n    url: http://127.0.0.1:9/mcp\n" + extra);
        var result = front.Run("validate");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>The admin API's <c>/events</c> stream, recorded in the background.</summary>
    private sealed class EventStream : IAsyncDisposable
    {
        private readonly ConcurrentQueue<(string Name, JsonElement Data)> _received = new();
        private readonly CancellationTokenSource _stop = new();
        private Task _reading = Task.CompletedTask;

        public static async Task<EventStream> OpenAsync(HttpClient admin)
        {
            var stream = new EventStream();
            var response = await admin.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead, Ct);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadAsStreamAsync(Ct);
            stream._reading = Task.Run(async () =>
            {
                using (response)
                using (var reader = new StreamReader(body))
                {
                    var name = "";
                    try
                    {
                        while (await reader.ReadLineAsync(stream._stop.Token) is { } line)
                        {
                            if (line.StartsWith("event:", StringComparison.Ordinal))
                            {
                                name = line["event:".Length..].Trim();
                            }
                            else if (line.StartsWith("data:", StringComparison.Ordinal))
                            {
                                stream._received.Enqueue((name, JsonDocument.Parse(line["data:".Length..]).RootElement.Clone()));
                            }
                        }
                    }
                    catch (Exception e) when (e is OperationCanceledException or IOException)
                    {
                        // The test is over.
                    }
                }
            });
            return stream;
        }

        public async Task<JsonElement> WaitForAsync(string name, Func<JsonElement, bool> match) =>
            (await EventuallyAsync(
                () => Task.FromResult(_received.Where(e => e.Name == name && match(e.Data)).Select(e => (JsonElement?)e.Data).FirstOrDefault() is { } found ? new Box(found) : null),
                $"the event {name}", seconds: 30)).Value;

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _reading;
            _stop.Dispose();
        }

        private sealed record Box(JsonElement Value);
    }
}
