using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.AspNetCore.Http;
using Mxcp.AspNetCore.Tests.Support;
using Mxcp.Tests.Shared;

namespace Mxcp.AspNetCore.Tests.Http;

/// <summary>
/// A stateless server answers tools/call of SQL tools without the SDK's per-request server; every answer must be the
/// one the SDK gives, byte for byte, and every request this path does not fully handle must reach the SDK.
/// </summary>
public sealed partial class DirectToolCallTests
{
    private const string Answered = "Answered the tools/call of";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void Tools(string root)
    {
        LargeResultTests.LargeTools(root);
        McpTestServer.Write(root, "tools/typed_row.yml", """
            tool:
              name: typed_row
              description: One object with numbers, a date and a null
              parameters: [{name: n, type: number, description: A number}]
              return: {type: object, properties: {n: {type: number}, d: {type: string, format: date}, x: {type: string, nullable: true}}}
              source: {code: "select $n as n, date '2024-02-29' as d, null as x"}
            """);
        McpTestServer.Write(root, "tools/described.yml", """
            tool:
              name: described
              description: "Café — 😀 <b>&amp; \"quoted\" \\ tab\there"
              parameters: [{name: when, type: string, format: date-time, description: "ISO 8601 <when>", default: "2024-01-01T00:00:00Z"}, {name: n, type: number, minimum: 150.5, description: N}]
              annotations: {readOnlyHint: true, title: "Described ✓"}
              return: {type: array, items: {type: object, properties: {v: {type: number}}}}
              source: {code: "select $n as v where $when is not null"}
            """);
        McpTestServer.Write(root, "tools/fails.yml", """
            tool:
              name: fails
              description: Fails at run time
              return: {type: integer}
              source: {code: "select cast('nope' as integer) as i"}
            """);
    }

    private static readonly string[] Bodies =
    [
        """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"héllo \"q\" \\ <b> 😀\n"}}}""",
        """{"jsonrpc":"2.0","id":"a\u00e9\"b/<>","method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}}""",
        """{"params":{"arguments":{"text":"reversed"},"name":"echo"},"method":"tools/call","id":-9007199254740993,"jsonrpc":"2.0"}""",
        """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":42}}}""",
        """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo"}}""",
        """{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":null}}""",
        """{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":{"text":"a","extra":true}}}""",
        """{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"whoami","arguments":{}}}""",
        """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"admin_only","arguments":{}}}""",
        """{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"typed_row","arguments":{"n":1.5e3}}}""",
        """{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"fails","arguments":{}}}""",
        """{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"big_rows","arguments":{}}}""",
        """{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"big_text","arguments":{}}}""",
        """{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"big_untyped","arguments":{}}}""",
        "{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"tools/call\",\"params\":{\"name\":\"ech\\u006f\",\"arguments\":{\"text\":\"escaped name\"}}}",
        """{"jsonrpc":"2.0","id":14,"method":"tools/call","params":{"_meta":{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","tracestate":"v=1","baggage":"k=v"},"name":"echo","arguments":{"text":"traced"}}}""",
    ];

    private static readonly string?[] Versions = [null, "2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

    [Fact]
    public async Task Answer_StatelessSqlToolCalls_AreAnsweredDirectlyWithTheSdksBytes()
    {
        var log = new RecordingLogger();
        await using var direct = await StartAsync(log, direct: true);
        await using var sdk = await StartAsync(new RecordingLogger(), direct: false);

        await AssertSameAnswersAsync(sdk, direct, Bodies);

        // Every call was answered by the direct path; the SDK's server never ran for them.
        Assert.Equal(Versions.Length * Bodies.Length, log.Messages.Count(m => m.Message.StartsWith(Answered, StringComparison.Ordinal)));
        Assert.Contains("answered directly: Stateless", log.All, StringComparison.Ordinal);

        // The answers are what a user asked for.
        var echo = Data(await PostAsync(direct, Bodies[0], "2025-11-25"));
        Assert.Equal("héllo \"q\" \\ <b> 😀\n", echo["result"]!["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(1, echo["id"]!.GetValue<int>());
        var whoami = Data(await PostAsync(direct, Bodies[7], "2025-11-25", ("X-Team", "blue")));
        Assert.Equal("blue", whoami["result"]!["structuredContent"]!["team"]!.GetValue<string>());
        var rows = Data(await PostAsync(direct, Bodies[11], "2025-11-25"));
        Assert.Equal(20_000, rows["result"]!["structuredContent"]!["result"]!.AsArray().Count);
    }

    [Fact]
    public async Task Answer_RequestsThisPathDoesNotHandle_GoToTheSdk()
    {
        var log = new RecordingLogger();
        await using var direct = await StartAsync(log, direct: true);
        await using var sdk = await StartAsync(new RecordingLogger(), direct: false);
        string[] bodies =
        [
            """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"p"},"_meta":{"progressToken":"t1"}}}""",
            """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"nope","arguments":{}}}""",
            """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"a","text":"b"}}}""",
            """{"jsonrpc":"2.0","id":4.5,"method":"tools/call","params":{"name":"echo","arguments":{"text":"a"}}}""",
            """{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":[1]}}""",
            """{"jsonrpc":"2.0","id":6,"method":"tools/list","params":{"cursor":"next"}}""",
            """[{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"batch"}}}]""",
            """{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}""",
            """{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"echo","arguments":{"text":"a"}},"extra":1}""",
        ];

        foreach (var body in bodies)
        {
            var expected = await PostAsync(sdk, body, "2025-11-25");
            var actual = await PostAsync(direct, body, "2025-11-25");
            Assert.Equal(expected.Status, actual.Status);
            Assert.Equal(Preview(expected.Body), Preview(actual.Body));
        }

        var call = Bodies[0];
        var session = await PostAsync(direct, call, "2025-11-25", ("Mcp-Session-Id", "abc"));
        Assert.Equal(HttpStatusCode.BadRequest, session.Status);
        var unsupported = await PostAsync(direct, call, "2099-01-01");
        Assert.Equal(HttpStatusCode.BadRequest, unsupported.Status);
        var jsonOnly = await PostAsync(direct, call, "2025-11-25", "application/json");
        Assert.Equal(HttpStatusCode.NotAcceptable, jsonOnly.Status);
        var wildcard = await PostAsync(direct, call, "2025-11-25", "*/*");
        Assert.Equal((await PostAsync(sdk, call, "2025-11-25", "*/*")).Status, wildcard.Status);

        Assert.DoesNotContain(Answered, log.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answer_ListenerOnTheSdksTraces_CallsGoToTheSdk()
    {
        var log = new RecordingLogger();
        await using var direct = await StartAsync(log, direct: true);
        var spans = new List<string>();
        using (var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Experimental.ModelContextProtocol",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = a =>
            {
                lock (spans)
                {
                    spans.Add(a.DisplayName);
                }
            },
        })
        {
            ActivitySource.AddActivityListener(listener);
            var traced = await PostAsync(direct, Bodies[0], "2025-11-25");
            Assert.Equal(HttpStatusCode.OK, traced.Status);
        }

        Assert.DoesNotContain(Answered, log.All, StringComparison.Ordinal);
        lock (spans)
        {
            Assert.Contains(spans, s => s.Contains("tools/call", StringComparison.Ordinal));
        }

        var untraced = await PostAsync(direct, Bodies[0], "2025-11-25");
        Assert.Equal(HttpStatusCode.OK, untraced.Status);
        Assert.Single(log.Messages, m => m.Message.StartsWith(Answered, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Answer_HostAddsACallToolFilter_EveryCallGoesToTheSdk()
    {
        var log = new RecordingLogger();
        var filtered = 0;
        await using var server = await StartAsync(log, direct: true, s => s.AddMcpServer().WithRequestFilters(f => f.AddCallToolFilter(next => (context, ct) =>
        {
            Interlocked.Increment(ref filtered);
            return next(context, ct);
        })));

        var answer = await PostAsync(server, Bodies[0], "2025-11-25");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(1, filtered);
        Assert.Contains("answered directly: None", log.All, StringComparison.Ordinal);
        Assert.DoesNotContain(Answered, log.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answer_ToolOfAnotherLanguageOrHybridSessions_GoToTheSdk()
    {
        var log = new RecordingLogger();
        await using (var stateless = await StartAsync(log, direct: true))
        {
            stateless.Gate.Open();
            var gated = await PostAsync(stateless, """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"wait","arguments":{}}}""", "2025-11-25");
            Assert.Equal(HttpStatusCode.OK, gated.Status);
        }

        Assert.DoesNotContain(Answered, log.All, StringComparison.Ordinal);

        var hybridLog = new RecordingLogger();
        await using var hybrid = await McpTestServer.StartAsync(
            writeProject: Tools, services: s => s.AddLogging(b => b.AddProvider(hybridLog).SetMinimumLevel(LogLevel.Debug)));
        var refused = await PostAsync(hybrid, Bodies[0], "2025-11-25");
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.DoesNotContain(Answered, hybridLog.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answer_SqlFunctionLogsToTheClient_MessagesPrecedeTheAnswerAsTheSdkSendsThem()
    {
        static void Project(string root) => McpTestServer.Write(root, "tools/loud.yml", """
            tool:
              name: loud
              description: Shouts two words through a SQL function of another executor
              return: {type: array, items: {type: object, properties: {w: {type: string}}}}
              source: {code: "select shout(w) as w from (values ('a'), ('b')) t(w) order by w"}
            """);
        void Services(IServiceCollection s) => s.AddSingleton<IEndpointExecutorProvider, ShoutFunctions>();
        var log = new RecordingLogger();
        await using var direct = await McpTestServer.StartAsync(
            o => o.SessionMode = MxcpSessionMode.Stateless, writeProject: Project,
            services: s => { s.AddLogging(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug)); Services(s); });
        await using var sdk = await McpTestServer.StartAsync(
            o => { o.SessionMode = MxcpSessionMode.Stateless; o.DirectToolCalls = false; }, writeProject: Project, services: Services);
        const string Body = """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"loud","arguments":{}}}""";

        var expected = await PostAsync(sdk, Body, "2025-11-25");
        var actual = await PostAsync(direct, Body, "2025-11-25");

        Assert.Equal(Encoding.UTF8.GetString(expected.Body), Encoding.UTF8.GetString(actual.Body));
        Assert.Equal(expected.Headers, actual.Headers);
        var events = Encoding.UTF8.GetString(actual.Body).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, events.Length);
        Assert.Contains("\"method\":\"notifications/message\"", events[0], StringComparison.Ordinal);
        Assert.Contains("shouting a", events[0], StringComparison.Ordinal);
        var answer = JsonNode.Parse(events[2]["event: message\ndata: ".Length..])!;
        Assert.Equal("""[{"w":"A"},{"w":"B"}]""", answer["result"]!["structuredContent"]!["result"]!.ToJsonString());
        Assert.Single(log.Messages, m => m.Message.StartsWith(Answered, StringComparison.Ordinal));

        // On 2026-07-28 too, whatever the SDK makes of the messages.
        var (perRequest, _) = PerRequest(Body);
        var expectedPerRequest = await PostAsync(sdk, perRequest, PerRequestVersion, ("Mcp-Method", "tools/call"), ("Mcp-Name", "loud"));
        var actualPerRequest = await PostAsync(direct, perRequest, PerRequestVersion, ("Mcp-Method", "tools/call"), ("Mcp-Name", "loud"));
        Assert.Equal(Encoding.UTF8.GetString(expectedPerRequest.Body), Encoding.UTF8.GetString(actualPerRequest.Body));
        Assert.Equal(2, log.Messages.Count(m => m.Message.StartsWith(Answered, StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(MxcpSessionMode.Stateless)]
    [InlineData(MxcpSessionMode.Hybrid)]
    public async Task Answer_PerRequestMetadataCalls_AreAnsweredDirectlyWithTheSdksBytes(MxcpSessionMode mode)
    {
        var log = new RecordingLogger();
        await using var direct = await StartAsync(log, direct: true, mode: mode);
        await using var sdk = await StartAsync(new RecordingLogger(), direct: false, mode: mode);

        foreach (var body in Bodies)
        {
            var (call, name) = PerRequest(body);
            var expected = await PostAsync(sdk, call, PerRequestVersion, ("Mcp-Method", "tools/call"), ("Mcp-Name", name));
            var actual = await PostAsync(direct, call, PerRequestVersion, ("Mcp-Method", "tools/call"), ("Mcp-Name", name));
            Assert.Equal(expected.Status, actual.Status);
            Assert.Equal(expected.Headers, actual.Headers);
            Assert.True(expected.Body.AsSpan().SequenceEqual(actual.Body), $"{body[..Math.Min(80, body.Length)]}: {Preview(actual.Body)} instead of {Preview(expected.Body)}");
        }

        Assert.Equal(Bodies.Length, log.Messages.Count(m => m.Message.StartsWith(Answered, StringComparison.Ordinal)));
        var echo = Data(await PostAsync(direct, PerRequest(Bodies[0]).Body, PerRequestVersion, ("Mcp-Method", "tools/call"), ("Mcp-Name", "echo")));
        Assert.Equal("complete", echo["result"]!["resultType"]!.GetValue<string>());
        Assert.Equal("mxcp", echo["result"]!["_meta"]!["io.modelcontextprotocol/serverInfo"]!["name"]!.GetValue<string>());
        var big = Data(await PostAsync(direct, PerRequest(Bodies[12]).Body, PerRequestVersion, ("Mcp-Method", "tools/call"), ("Mcp-Name", "big_text")));
        Assert.Equal("complete", big["result"]!["resultType"]!.GetValue<string>());
    }

    [Fact]
    public async Task Answer_PerRequestMetadataCallsThisPathDoesNotHandle_GoToTheSdk()
    {
        var log = new RecordingLogger();
        await using var direct = await StartAsync(log, direct: true, mode: MxcpSessionMode.Hybrid);
        await using var sdk = await StartAsync(new RecordingLogger(), direct: false, mode: MxcpSessionMode.Hybrid);
        var (call, _) = PerRequest(Bodies[0]);
        var withLogLevel = call.Replace("\"_meta\":{", "\"_meta\":{\"io.modelcontextprotocol/logLevel\":\"debug\",", StringComparison.Ordinal);
        var withoutCapabilities = call.Replace(",\"io.modelcontextprotocol/clientCapabilities\":{}", "", StringComparison.Ordinal);
        var otherVersion = call.Replace("\"2026-07-28\"", "\"2025-11-25\"", StringComparison.Ordinal);
        (string Body, (string, string)[] Headers)[] requests =
        [
            (withLogLevel, [("Mcp-Method", "tools/call"), ("Mcp-Name", "echo")]),
            (withoutCapabilities, [("Mcp-Method", "tools/call"), ("Mcp-Name", "echo")]),
            (otherVersion, [("Mcp-Method", "tools/call"), ("Mcp-Name", "echo")]),
            (call, [("Mcp-Method", "tools/call"), ("Mcp-Name", "other")]),
            (call, [("Mcp-Method", "tools/list"), ("Mcp-Name", "echo")]),
            (call, [("Mcp-Method", "tools/call")]),
            (call, [("Mcp-Method", "tools/call"), ("Mcp-Name", "=?base64?ZWNobw==?=")]),
            (call, []),
        ];

        foreach (var (body, headers) in requests)
        {
            var expected = await PostAsync(sdk, body, PerRequestVersion, headers);
            var actual = await PostAsync(direct, body, PerRequestVersion, headers);
            Assert.Equal(expected.Status, actual.Status);
            Assert.Equal(Preview(expected.Body), Preview(actual.Body));
        }

        Assert.DoesNotContain(Answered, log.All, StringComparison.Ordinal);

        // A 2025 client in hybrid mode needs a session: the SDK refuses the call without one.
        var earlier = await PostAsync(direct, Bodies[0], "2025-11-25");
        Assert.Equal(HttpStatusCode.BadRequest, earlier.Status);
        Assert.DoesNotContain(Answered, log.All, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(MxcpSessionMode.Hybrid)]
    [InlineData(MxcpSessionMode.Stateful)]
    public async Task Answer_SessionSqlToolCalls_AreAnsweredDirectlyWithTheSdksBytes(MxcpSessionMode mode)
    {
        var log = new RecordingLogger();
        await using var direct = await StartAsync(log, direct: true, mode: mode);
        await using var sdk = await StartAsync(new RecordingLogger(), direct: false, mode: mode);
        var directSession = await OpenSessionAsync(direct);
        var sdkSession = await OpenSessionAsync(sdk);

        foreach (var body in Bodies)
        {
            var expected = await PostAsync(sdk, body, SessionVersion, ("Mcp-Session-Id", sdkSession));
            var actual = await PostAsync(direct, body, SessionVersion, ("Mcp-Session-Id", directSession));
            Assert.Equal(expected.Status, actual.Status);
            Assert.Equal(expected.Headers.Replace(sdkSession, "<session>", StringComparison.Ordinal), actual.Headers.Replace(directSession, "<session>", StringComparison.Ordinal));
            Assert.Contains("Mcp-Session-Id: " + directSession, actual.Headers, StringComparison.Ordinal);
            Assert.True(expected.Body.AsSpan().SequenceEqual(actual.Body), $"{body[..Math.Min(80, body.Length)]}: {Preview(actual.Body)} instead of {Preview(expected.Body)}");
        }

        Assert.Equal(Bodies.Length, log.Messages.Count(m => m.Message.StartsWith(Answered, StringComparison.Ordinal)));
        var echo = Data(await PostAsync(direct, Bodies[0], SessionVersion, ("Mcp-Session-Id", directSession)));
        Assert.Equal("héllo \"q\" \\ <b> 😀\n", echo["result"]!["content"]![0]!["text"]!.GetValue<string>());

        // The session is still the SDK's: listed, and ended by its DELETE.
        using var http = new HttpClient();
        using var delete = new HttpRequestMessage(HttpMethod.Delete, direct.McpUri);
        delete.Headers.Add("Mcp-Session-Id", directSession);
        using (var ended = await http.SendAsync(delete, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        }

        var gone = await PostAsync(direct, Bodies[0], SessionVersion, ("Mcp-Session-Id", directSession));
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
    }

    [Fact]
    public async Task Answer_SessionCallsThisPathDoesNotHandle_GoToTheSdk()
    {
        var clock = new ShiftedClock();
        var log = new RecordingLogger();
        await using var direct = await McpTestServer.StartAsync(
            o => { o.SessionMode = MxcpSessionMode.Hybrid; o.TimeProvider = clock; },
            writeProject: Tools,
            services: s => s.AddLogging(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug)));
        await using var sdk = await StartAsync(new RecordingLogger(), direct: false, mode: MxcpSessionMode.Hybrid);
        var directSession = await OpenSessionAsync(direct);
        var sdkSession = await OpenSessionAsync(sdk);
        int Answers() => log.Messages.Count(m => m.Message.StartsWith(Answered, StringComparison.Ordinal));

        // Another protocol version than the negotiated one, none, a session that does not exist, a progress token.
        (string? Version, bool OwnSession, string Body)[] requests =
        [
            ("2025-06-18", true, Bodies[0]),
            (null, true, Bodies[0]),
            (SessionVersion, false, Bodies[0]),
            (SessionVersion, true, """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"p"},"_meta":{"progressToken":"t1"}}}"""),
        ];
        foreach (var (version, own, body) in requests)
        {
            var expected = await PostAsync(sdk, body, version, ("Mcp-Session-Id", own ? sdkSession : "unknown-session"));
            var actual = await PostAsync(direct, body, version, ("Mcp-Session-Id", own ? directSession : "unknown-session"));
            Assert.Equal(expected.Status, actual.Status);
            Assert.Equal(Preview(expected.Body), Preview(actual.Body));
        }

        Assert.Equal(0, Answers());

        // The SDK keeps a session's idle time from the requests it serves: after a minute without one, the next call goes
        // to the SDK, and the one after it is answered here again.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(direct, Bodies[0], SessionVersion, ("Mcp-Session-Id", directSession))).Status);
        Assert.Equal(1, Answers());
        clock.Shift += TimeSpan.FromSeconds(61);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(direct, Bodies[0], SessionVersion, ("Mcp-Session-Id", directSession))).Status);
        Assert.Equal(1, Answers());
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(direct, Bodies[0], SessionVersion, ("Mcp-Session-Id", directSession))).Status);
        Assert.Equal(2, Answers());
    }

    [Fact]
    public async Task Answer_SessionOfAnotherUser_IsRefusedByTheSdk()
    {
        var log = new RecordingLogger();
        await using var server = await McpTestServer.StartAsync(
            o => o.SessionMode = MxcpSessionMode.Hybrid, requireAuth: true, writeProject: Tools,
            services: s => s.AddLogging(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug)));
        var session = await OpenSessionAsync(server, ("Authorization", "Bearer alice"));
        int Answers() => log.Messages.Count(m => m.Message.StartsWith(Answered, StringComparison.Ordinal));

        var own = await PostAsync(server, Bodies[0], SessionVersion, ("Mcp-Session-Id", session), ("Authorization", "Bearer alice"));
        Assert.Equal(HttpStatusCode.OK, own.Status);
        Assert.Equal(1, Answers());

        var other = await PostAsync(server, Bodies[0], SessionVersion, ("Mcp-Session-Id", session), ("Authorization", "Bearer bob"));
        Assert.Equal(HttpStatusCode.Forbidden, other.Status);
        Assert.DoesNotContain("héllo", Encoding.UTF8.GetString(other.Body), StringComparison.Ordinal);
        var anonymous = await PostAsync(server, Bodies[0], SessionVersion, ("Mcp-Session-Id", session));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
        Assert.Equal(1, Answers());
    }

    [Fact]
    public async Task Answer_SessionCallCancelledByTheClient_EndsWithoutAnAnswer()
    {
        static void Project(string root)
        {
            Tools(root);
            McpTestServer.Write(root, "tools/slow.yml", """
                tool:
                  name: slow
                  description: Counts for minutes
                  return: {type: integer}
                  source: {code: "select count(*) as n from range(100000000000) t(i) where i % 7 = 3"}
                """);
        }

        var log = new RecordingLogger();
        await using var server = await McpTestServer.StartAsync(
            o => o.SessionMode = MxcpSessionMode.Hybrid, writeProject: Project,
            services: s => s.AddLogging(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug)));
        var session = await OpenSessionAsync(server);
        var call = PostAsync(server, """{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"slow","arguments":{}}}""", SessionVersion, ("Mcp-Session-Id", session));
        await Task.Delay(500, Ct);
        Assert.False(call.IsCompleted);

        var cancel = await PostAsync(server, """{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":42,"reason":"user"}}""", SessionVersion, ("Mcp-Session-Id", session));
        Assert.Equal(HttpStatusCode.Accepted, cancel.Status);

        // A bound only a query that is not interrupted exceeds (it counts for minutes).
        var answer = await call.WaitAsync(TimeSpan.FromSeconds(20), Ct);
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Contains("Content-Type: text/event-stream", answer.Headers, StringComparison.Ordinal);
        Assert.Empty(answer.Body);
        Assert.Contains("The client cancelled its request 42", log.All, StringComparison.Ordinal);

        // The session goes on.
        var echo = Data(await PostAsync(server, Bodies[0], SessionVersion, ("Mcp-Session-Id", session)));
        Assert.Equal(1, echo["id"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":42,"reason":"user"}}""", "42")]
    [InlineData("""{"params":{"reason":"x","requestId":"a"},"method":"notifications/cancelled","jsonrpc":"2.0"}""", "a")]
    [InlineData("""{"jsonrpc":"2.0","method":"notifications/progress","params":{"requestId":42}}""", null)]
    [InlineData("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{}}""", null)]
    [InlineData("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":4.5}}""", null)]
    [InlineData("""[{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":42}}]""", null)]
    [InlineData("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":42}""", null)]
    public void CancelledRequest_Bodies_NamesTheRequestOfACancellation(string body, string? expected)
    {
        Assert.Equal(expected, DirectToolCalls.CancelledRequest(Encoding.UTF8.GetBytes(body))?.ToString());
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","arguments":{"x":1}}}""", true)]
    [InlineData("""{"id":"s","params":{"name":"a"},"method":"tools/call","jsonrpc":"2.0"}""", true)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","arguments":{"x":1,"x":2}}}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"id":2,"method":"tools/call","params":{"name":"a"}}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","method":"tools/call","params":{"name":"a"}}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","name":"b"}}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":null,"method":"tools/call","params":{"name":"a"}}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1e3,"method":"tools/call","params":{"name":"a"}}""", false)]
    [InlineData("""{"jsonrpc":"1.0","id":1,"method":"tools/call","params":{"name":"a"}}""", false)]
    [InlineData("""{"id":1,"method":"tools/call","params":{"name":"a"}}""", false)]
    [InlineData("""{"jsonrpc":"2.0","method":"tools/call","params":{"name":"a"}}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call"}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{}}}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","_meta":{}}}""", true)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","_meta":{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","tracestate":"v=1"}}}""", true)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","_meta":{"traceparent":1}}}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","_meta":{"traceparent":"x","traceparent":"y"}}}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","_meta":{"traceparent":"x","progressToken":"t"}}}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","_meta":{"traceparent":"x"},"_meta":{}}}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"name":"a"}}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"}} {}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":1}}""", false)]
    public void Parse_Bodies_OnlyThePlainShapeIsAccepted(string body, bool accepted)
    {
        var call = DirectToolCalls.Parse(Encoding.UTF8.GetBytes(body));

        Assert.Equal(accepted, call is not null);
        if (call is not null)
        {
            Assert.Equal("a", call.Name);
        }
    }

    private const string PerRequestVersion = "2026-07-28";

    private const string SessionVersion = "2025-11-25";

    /// <summary>Opens a session as a 2025-11-25 client does: initialize, then notifications/initialized.</summary>
    private static async Task<string> OpenSessionAsync(McpTestServer server, params (string Name, string Value)[] headers)
    {
        using var http = new HttpClient();
        using var initialize = new HttpRequestMessage(HttpMethod.Post, server.McpUri)
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""", Encoding.UTF8, "application/json"),
        };
        initialize.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        foreach (var (name, value) in headers)
        {
            initialize.Headers.Add(name, value);
        }

        using var response = await http.SendAsync(initialize, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var session = response.Headers.GetValues("Mcp-Session-Id").Single();
        var initialized = await PostAsync(server, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", SessionVersion, [("Mcp-Session-Id", session), .. headers]);
        Assert.Equal(HttpStatusCode.Accepted, initialized.Status);
        return session;
    }

    /// <summary>The system clock moved forward by <see cref="Shift"/>.</summary>
    private sealed class ShiftedClock : TimeProvider
    {
        public TimeSpan Shift { get; set; }

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Shift;

        public override long GetTimestamp() => System.GetTimestamp() + (long)(Shift.TotalSeconds * System.TimestampFrequency);

        public override long TimestampFrequency => System.TimestampFrequency;
    }

    /// <summary>A body with the 2026-07-28 <c>_meta</c> members added to its params (and its <c>_meta</c>, made when it has none), and the tool's name (empty for a listing).</summary>
    private static (string Body, string Name) PerRequest(string body)
    {
        var node = JsonNode.Parse(body)!;
        node["params"] ??= new JsonObject();
        var meta = node["params"]!["_meta"] ??= new JsonObject();
        meta["io.modelcontextprotocol/protocolVersion"] = PerRequestVersion;
        meta["io.modelcontextprotocol/clientCapabilities"] = new JsonObject();
        return (node.ToJsonString(), node["params"]!["name"]?.GetValue<string>() ?? "");
    }

    /// <summary>Posts every body in every protocol version to both servers: the status, headers and bytes must be the same.</summary>
    private static async Task AssertSameAnswersAsync(McpTestServer sdk, McpTestServer direct, string[] bodies)
    {
        foreach (var version in Versions)
        {
            foreach (var body in bodies)
            {
                var expected = await PostAsync(sdk, body, version);
                var actual = await PostAsync(direct, body, version);
                Assert.Equal(expected.Status, actual.Status);
                Assert.Equal(expected.Headers, actual.Headers);
                Assert.True(expected.Body.AsSpan().SequenceEqual(actual.Body), $"{version} {body[..Math.Min(80, body.Length)]}: {Preview(actual.Body)} instead of {Preview(expected.Body)}");
            }
        }
    }

    private static Task<McpTestServer> StartAsync(RecordingLogger log, bool direct, Action<IServiceCollection>? services = null, MxcpSessionMode mode = MxcpSessionMode.Stateless) =>
        McpTestServer.StartAsync(
            o =>
            {
                o.SessionMode = mode;
                o.DirectToolCalls = direct;
            },
            writeProject: Tools,
            services: s =>
            {
                s.AddLogging(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug));
                services?.Invoke(s);
            });

    private static Task<(HttpStatusCode Status, string Headers, byte[] Body)> PostAsync(McpTestServer server, string body, string? version, params (string Name, string Value)[] headers) =>
        PostAsync(server, body, version, "application/json, text/event-stream", headers);

    private static async Task<(HttpStatusCode Status, string Headers, byte[] Body)> PostAsync(
        McpTestServer server, string body, string? version, string accept, params (string Name, string Value)[] headers)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, server.McpUri) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", accept);
        if (version is not null)
        {
            request.Headers.Add("MCP-Protocol-Version", version);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        using var response = await client.SendAsync(request, Ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(Ct);
        var answerHeaders = string.Join("\n", response.Headers.Concat(response.Content.Headers)
            .Where(p => p.Key is not "Date" and not "Content-Length")
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key}: {string.Join(",", p.Value)}"));
        return (response.StatusCode, answerHeaders, bytes);
    }

    /// <summary>The JSON of the one event in an event-stream answer.</summary>
    private static JsonNode Data((HttpStatusCode Status, string Headers, byte[] Body) answer)
    {
        var text = Encoding.UTF8.GetString(answer.Body);
        Assert.StartsWith("event: message\ndata: ", text, StringComparison.Ordinal);
        Assert.EndsWith("\n\n", text, StringComparison.Ordinal);
        return JsonNode.Parse(text["event: message\ndata: ".Length..^2])!;
    }

    private static string Preview(byte[] body) => Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 300)));
}
