using System.ComponentModel;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Abstractions;
using Mxcp.AspNetCore.Tests.Support;
using Mxcp.Runtime.Mcp;
using Mxcp.Tests.Shared;

namespace Mxcp.AspNetCore.Tests.Http;

/// <summary>
/// Calls of Python tools and of an upstream MCP server's tools are answered without the SDK's per-request server, byte
/// for byte as the SDK answers them, including a Python tool's log messages and the upstream's request to the client
/// refused for the reason the SDK gives: Python tools' calls as SQL tools' are, an upstream's only without a session and
/// before 2026-07-28. Calls whose client the SDK could send progress or requests to go to the SDK.
/// </summary>
public sealed partial class DirectToolCallTests
{
    private static readonly string[] UpstreamBodies =
    [
        """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"up_echo","arguments":{"text":"héllo \"q\" \\ <b> 😀\n"}}}""",
        """{"jsonrpc":"2.0","id":"a\u00e9\"b/<>","method":"tools/call","params":{"name":"up_echo","arguments":{"text":"x"}}}""",
        """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"up_echo","arguments":{"text":42}}}""",
        """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"up_row","arguments":{"n":7}}}""",
        """{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"up_fail","arguments":{}}}""",
        """{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"up_ask","arguments":{}}}""",
        """{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"_meta":{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},"name":"up_echo","arguments":{"text":"traced"}}}""",
    ];

    [Fact]
    public async Task Answer_StatelessUpstreamToolCalls_AreAnsweredDirectlyWithTheSdksBytes()
    {
        await using var upstream = await StartUpstreamAsync();
        var log = new RecordingLogger();
        await using var direct = await StartGatewayAsync(upstream, log, direct: true, MxcpSessionMode.Stateless);
        await using var sdk = await StartGatewayAsync(upstream, new RecordingLogger(), direct: false, MxcpSessionMode.Stateless);
        int Answers() => log.Messages.Count(m => m.Message.StartsWith(Answered, StringComparison.Ordinal));

        await AssertSameAnswersAsync(sdk, direct, UpstreamBodies);

        Assert.Equal(Versions.Length * UpstreamBodies.Length, Answers());

        // What the user gets: the upstream's answers, and its sampling request refused because the POST has no session.
        var echo = Data(await PostAsync(direct, UpstreamBodies[0], "2025-11-25"));
        Assert.Equal("héllo \"q\" \\ <b> 😀\n", echo["result"]!["content"]![0]!["text"]!.GetValue<string>());
        var row = Data(await PostAsync(direct, UpstreamBodies[3], "2025-11-25"));
        Assert.Equal(7, row["result"]!["structuredContent"]!["n"]!.GetValue<int>());
        var failed = Data(await PostAsync(direct, UpstreamBodies[4], "2025-11-25"));
        Assert.True(failed["result"]!["isError"]!.GetValue<bool>());
        var ask = Data(await PostAsync(direct, UpstreamBodies[5], "2025-11-25"));
        var asked = ask["result"]!["content"]![0]!["text"]!.GetValue<string>();
        Assert.True(asked.Contains(McpClientNotifier.SessionlessReason, StringComparison.Ordinal), asked);
        Assert.StartsWith("refused: ", asked, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answer_UpstreamToolCallsWhoseClientCanBeSentRequests_GoToTheSdk()
    {
        await using var upstream = await StartUpstreamAsync();

        // Without a session, a progress token asks for the upstream's progress: the SDK sends it.
        var statelessLog = new RecordingLogger();
        await using (var stateless = await StartGatewayAsync(upstream, statelessLog, direct: true, MxcpSessionMode.Stateless))
        {
            var progress = await PostAsync(stateless, """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"up_echo","arguments":{"text":"p"},"_meta":{"progressToken":"t1"}}}""", "2025-11-25");
            Assert.Equal("p", Data(progress)["result"]!["content"]![0]!["text"]!.GetValue<string>());
            Assert.DoesNotContain(Answered, statelessLog.All, StringComparison.Ordinal);
        }

        // In a session, and with the 2026-07-28 per-request metadata (whose multi round-trip requests the SDK sends), the
        // upstream's tool goes to the SDK; a project's SQL tool in the same session is still answered here.
        var log = new RecordingLogger();
        await using var gateway = await StartGatewayAsync(upstream, log, direct: true, MxcpSessionMode.Hybrid);
        int Answers() => log.Messages.Count(m => m.Message.StartsWith(Answered, StringComparison.Ordinal));
        var session = await OpenSessionAsync(gateway);
        var inSession = await PostAsync(gateway, UpstreamBodies[0], SessionVersion, ("Mcp-Session-Id", session));
        Assert.Equal("héllo \"q\" \\ <b> 😀\n", Data(inSession)["result"]!["content"]![0]!["text"]!.GetValue<string>());
        var (perRequest, name) = PerRequest(UpstreamBodies[0]);
        var answered = await PostAsync(gateway, perRequest, PerRequestVersion, ("Mcp-Method", "tools/call"), ("Mcp-Name", name));
        Assert.Equal("héllo \"q\" \\ <b> 😀\n", Data(answered)["result"]!["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(0, Answers());
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(gateway, Bodies[0], SessionVersion, ("Mcp-Session-Id", session))).Status);
        Assert.Equal(1, Answers());
    }

    private static readonly string[] PythonBodies =
    [
        """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"py_echo","arguments":{"text":"héllo \"q\" \\ <b> 😀\n"}}}""",
        """{"jsonrpc":"2.0","id":"a\u00e9\"b/<>","method":"tools/call","params":{"name":"py_echo","arguments":{"text":"x"}}}""",
        """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"py_echo","arguments":{"text":42}}}""",
        """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"py_steps","arguments":{}}}""",
        """{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"py_row","arguments":{"n":7}}}""",
        """{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"py_fail","arguments":{}}}""",
    ];

    [Fact]
    public async Task Answer_StatelessPythonToolCalls_AreAnsweredDirectlyWithTheSdksBytes()
    {
        var log = new RecordingLogger();
        await using var direct = await StartPythonAsync(log, direct: true);
        await using var sdk = await StartPythonAsync(new RecordingLogger(), direct: false);

        await AssertSameAnswersAsync(sdk, direct, PythonBodies);

        Assert.Equal(Versions.Length * PythonBodies.Length, log.Messages.Count(m => m.Message.StartsWith(Answered, StringComparison.Ordinal)));

        // The log messages come ahead of the answer (progress was not asked for); the row is structured.
        var steps = System.Text.Encoding.UTF8.GetString((await PostAsync(direct, PythonBodies[3], "2025-11-25")).Body);
        var events = steps.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, events.Length);
        Assert.Contains("\"starting\"", events[0], StringComparison.Ordinal);
        Assert.Contains("\"almost done\"", events[1], StringComparison.Ordinal);
        Assert.Contains("\"text\":\"done\"", events[2], StringComparison.Ordinal);
        Assert.DoesNotContain("notifications/progress", steps, StringComparison.Ordinal);
        var row = Data(await PostAsync(direct, PythonBodies[4], "2025-11-25"));
        Assert.Equal(7, row["result"]!["structuredContent"]!["n"]!.GetValue<int>());
        var failed = Data(await PostAsync(direct, PythonBodies[5], "2025-11-25"));
        Assert.True(failed["result"]!["isError"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData(MxcpSessionMode.Hybrid)]
    [InlineData(MxcpSessionMode.Stateful)]
    public async Task Answer_PythonToolCallsInSessionsAndWithPerRequestMetadata_AreAnsweredDirectlyWithTheSdksBytes(MxcpSessionMode mode)
    {
        var log = new RecordingLogger();
        await using var direct = await StartPythonAsync(log, direct: true, mode);
        await using var sdk = await StartPythonAsync(new RecordingLogger(), direct: false, mode);
        var directSession = await OpenSessionAsync(direct);
        var sdkSession = await OpenSessionAsync(sdk);
        var expectedAnswers = 0;
        foreach (var body in PythonBodies)
        {
            var expected = await PostAsync(sdk, body, SessionVersion, ("Mcp-Session-Id", sdkSession));
            var actual = await PostAsync(direct, body, SessionVersion, ("Mcp-Session-Id", directSession));
            Assert.Equal(expected.Status, actual.Status);
            Assert.Equal(expected.Headers.Replace(sdkSession, "<session>", StringComparison.Ordinal), actual.Headers.Replace(directSession, "<session>", StringComparison.Ordinal));
            Assert.True(expected.Body.AsSpan().SequenceEqual(actual.Body), $"{body[..Math.Min(80, body.Length)]}: {Preview(actual.Body)} instead of {Preview(expected.Body)}");
            expectedAnswers++;
            if (mode == MxcpSessionMode.Hybrid)
            {
                var (call, name) = PerRequest(body);
                expected = await PostAsync(sdk, call, PerRequestVersion, ("Mcp-Method", "tools/call"), ("Mcp-Name", name));
                actual = await PostAsync(direct, call, PerRequestVersion, ("Mcp-Method", "tools/call"), ("Mcp-Name", name));
                Assert.Equal(expected.Status, actual.Status);
                Assert.Equal(expected.Headers, actual.Headers);
                Assert.True(expected.Body.AsSpan().SequenceEqual(actual.Body), $"2026-07-28 {body[..Math.Min(80, body.Length)]}: {Preview(actual.Body)} instead of {Preview(expected.Body)}");
                expectedAnswers++;
            }
        }

        Assert.Equal(expectedAnswers, log.Messages.Count(m => m.Message.StartsWith(Answered, StringComparison.Ordinal)));

        // A client that asked for warnings and above (logging/setLevel) gets no info message, on either path.
        foreach (var (server, session) in new[] { (sdk, sdkSession), (direct, directSession) })
        {
            var set = await PostAsync(server, """{"jsonrpc":"2.0","id":20,"method":"logging/setLevel","params":{"level":"warning"}}""", SessionVersion, ("Mcp-Session-Id", session));
            Assert.Equal(HttpStatusCode.OK, set.Status);
        }

        var loud = await PostAsync(sdk, PythonBodies[3], SessionVersion, ("Mcp-Session-Id", sdkSession));
        var quiet = await PostAsync(direct, PythonBodies[3], SessionVersion, ("Mcp-Session-Id", directSession));
        Assert.True(loud.Body.AsSpan().SequenceEqual(quiet.Body), $"{Preview(quiet.Body)} instead of {Preview(loud.Body)}");
        var quietText = System.Text.Encoding.UTF8.GetString(quiet.Body);
        Assert.DoesNotContain("\"starting\"", quietText, StringComparison.Ordinal);
        Assert.Contains("\"almost done\"", quietText, StringComparison.Ordinal);
        Assert.Equal(++expectedAnswers, log.Messages.Count(m => m.Message.StartsWith(Answered, StringComparison.Ordinal)));

        // A progress token asks for the tool's progress: the SDK sends it.
        var progress = await PostAsync(direct, """{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"py_steps","arguments":{},"_meta":{"progressToken":"t1"}}}""", SessionVersion, ("Mcp-Session-Id", directSession));
        Assert.Contains("notifications/progress", System.Text.Encoding.UTF8.GetString(progress.Body), StringComparison.Ordinal);
        Assert.Equal(expectedAnswers, log.Messages.Count(m => m.Message.StartsWith(Answered, StringComparison.Ordinal)));
    }

    /// <summary>A server with four Python tools, one of which logs to its client and reports progress.</summary>
    private static Task<McpTestServer> StartPythonAsync(RecordingLogger log, bool direct, MxcpSessionMode mode = MxcpSessionMode.Stateless) =>
        McpTestServer.StartAsync(
            o =>
            {
                o.SessionMode = mode;
                o.DirectToolCalls = direct;
            },
            writeProject: root =>
            {
                McpTestServer.Write(root, "python/tools.py", """
                    from mxcp.runtime import mcp

                    def py_echo(text: str) -> str:
                        return text

                    async def py_steps() -> str:
                        await mcp.info("starting")
                        for i in range(3):
                            await mcp.progress(i + 1, 3, f"step {i + 1}")
                        await mcp.warning("almost done")
                        return "done"

                    def py_row(n: int) -> dict:
                        return {"n": n, "label": f"row {n}"}

                    def py_fail() -> str:
                        raise ValueError("the Python tool failed on purpose")
                    """);
                foreach (var (name, parameters, returns) in new[]
                {
                    ("py_echo", "[{name: text, type: string, description: Text}]", "{type: string}"),
                    ("py_steps", "[]", "{type: string}"),
                    ("py_row", "[{name: n, type: integer, description: N}]", "{type: object, properties: {n: {type: integer}, label: {type: string}}}"),
                    ("py_fail", "[]", "{type: string}"),
                })
                {
                    McpTestServer.Write(root, $"tools/{name}.yml", $$"""
                        tool:
                          name: {{name}}
                          description: A Python tool
                          language: python
                          parameters: {{parameters}}
                          return: {{returns}}
                          source: {file: ../python/tools.py}
                        """);
                }
            },
            services: s =>
            {
                s.AddLogging(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug));
                new GatewayBuilder(s).AddPython();
            });

    /// <summary>A plain SDK server on Kestrel with four tools, one of which asks its client for a sampling.</summary>
    private static async Task<WebApplication> StartUpstreamAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        // In a session the upstream can send the gateway requests.
        builder.Services.AddMcpServer().WithHttpTransport(o => o.SessionMode = HttpServerSessionMode.Stateful).WithTools<UpstreamTools>();
        var app = builder.Build();
        app.MapMcp("/mcp");
        await app.StartAsync(Ct);
        return app;
    }

    /// <summary>An Mxcp gateway whose only upstream is <paramref name="upstream"/> (no prefix, sampling forwarded), once it serves its tools.</summary>
    private static async Task<McpTestServer> StartGatewayAsync(WebApplication upstream, RecordingLogger log, bool direct, MxcpSessionMode mode)
    {
        var address = upstream.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var server = await McpTestServer.StartAsync(
            o =>
            {
                o.SessionMode = mode;
                o.DirectToolCalls = direct;
            },
            writeProject: root => McpTestServer.Write(root, "mxcp-site.yml", $"""
                mxcp: 1
                project: gateway
                profile: dev
                upstreams:
                  up:
                    url: {JsonSerializer.Serialize(address + "/mcp")}
                    prefix: ""
                    forward: {"{"} sampling: true {"}"}
                """),
            services: s =>
            {
                s.AddLogging(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug));
                new GatewayBuilder(s).AddUpstreams();
            });
        var listed = "";
        for (var attempt = 0; attempt < 200 && !listed.Contains("\"up_ask\"", StringComparison.Ordinal); attempt++)
        {
            if (attempt > 0)
            {
                await Task.Delay(50, Ct);
            }

            const string List = """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""";
            var answer = mode == MxcpSessionMode.Stateless
                ? await PostAsync(server, List, "2025-11-25")
                : await PostAsync(server, PerRequest(List).Body, PerRequestVersion, ("Mcp-Method", "tools/list"));
            listed = System.Text.Encoding.UTF8.GetString(answer.Body);
        }

        Assert.Contains("\"up_ask\"", listed, StringComparison.Ordinal);
        return server;
    }

    private sealed class GatewayBuilder(IServiceCollection services) : IMxcpBuilder
    {
        public IServiceCollection Services => services;
    }

    [McpServerToolType]
    private sealed class UpstreamTools
    {
        [McpServerTool(Name = "up_echo"), Description("Echoes its text")]
        public static string Echo([Description("The text")] string text) => text;

        [McpServerTool(Name = "up_row", UseStructuredContent = true), Description("One row")]
        public static UpstreamRow Row([Description("A number")] int n) => new(n, "row " + n);

        [McpServerTool(Name = "up_fail"), Description("Fails")]
        public static string Fail() => throw new McpException("the upstream failed on purpose");

        [McpServerTool(Name = "up_ask"), Description("Asks its client for a sampling")]
        public static async Task<string> Ask(McpServer server, CancellationToken cancellationToken)
        {
            try
            {
#pragma warning disable MCP9005 // Sampling is what this upstream asks for.
                var answer = await server.SampleAsync(
                    new CreateMessageRequestParams { Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = "hi" }] }], MaxTokens = 5 },
                    cancellationToken);
#pragma warning restore MCP9005
                return "sampled: " + answer.Model;
            }
            catch (Exception e) when (e is McpException or InvalidOperationException)
            {
                return "refused: " + e.GetType().Name + ": " + e.Message;
            }
        }
    }

    public sealed record UpstreamRow(int N, string Label);
}
