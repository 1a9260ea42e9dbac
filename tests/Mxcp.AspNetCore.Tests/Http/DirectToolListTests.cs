using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Mxcp.Abstractions;
using Mxcp.AspNetCore.Tests.Support;
using Mxcp.Runtime.Reload;
using Mxcp.Tests.Shared;

namespace Mxcp.AspNetCore.Tests.Http;

/// <summary>
/// tools/list without a cursor is answered without the SDK's server from a listing serialized once per version of the
/// tool collection; every answer must be the SDK's, byte for byte, also after the collection changes.
/// </summary>
public sealed partial class DirectToolCallTests
{
    private const string Listed = "Answered a tools/list directly";

    private static readonly string[] ListBodies =
    [
        """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""",
        """{"jsonrpc":"2.0","id":"list-\u00e9","method":"tools/list","params":{}}""",
        """{"params":{},"method":"tools/list","id":-3,"jsonrpc":"2.0"}""",
        """{"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"_meta":{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}}""",
    ];

    private static int Count(RecordingLogger log, string prefix) => log.Messages.Count(m => m.Message.StartsWith(prefix, StringComparison.Ordinal));

    [Fact]
    public async Task Answer_StatelessToolsList_IsAnsweredDirectlyWithTheSdksBytes()
    {
        var log = new RecordingLogger();
        await using var direct = await StartAsync(log, direct: true);
        await using var sdk = await StartAsync(new RecordingLogger(), direct: false);

        foreach (var version in Versions)
        {
            foreach (var body in ListBodies)
            {
                await AssertSameAnswerAsync(sdk, direct, body, version);
            }
        }

        Assert.Equal(Versions.Length * ListBodies.Length, Count(log, Listed));

        // What a client reads: every project tool, with its schemas.
        var tools = Data(await PostAsync(direct, ListBodies[0], "2025-11-25"))["result"]!["tools"]!.AsArray();
        Assert.Equal(["admin_only", "big_rows", "big_text", "big_untyped", "described", "echo", "fails", "typed_row", "wait", "whoami"],
            tools.Select(t => t!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        var described = tools.Single(t => t!["name"]!.GetValue<string>() == "described")!;
        Assert.Equal("Café — 😀 <b>&amp; \"quoted\" \\ tab\there", described["description"]!.GetValue<string>());
        Assert.Equal("date-time", described["inputSchema"]!["properties"]!["when"]!["format"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(MxcpSessionMode.Stateless)]
    [InlineData(MxcpSessionMode.Hybrid)]
    public async Task Answer_PerRequestMetadataToolsList_IsAnsweredDirectlyWithTheSdksBytes(MxcpSessionMode mode)
    {
        var log = new RecordingLogger();
        await using var direct = await StartAsync(log, direct: true, mode: mode);
        await using var sdk = await StartAsync(new RecordingLogger(), direct: false, mode: mode);

        foreach (var body in ListBodies)
        {
            await AssertSameAnswerAsync(sdk, direct, PerRequest(body).Body, PerRequestVersion, ("Mcp-Method", "tools/list"));
        }

        Assert.Equal(ListBodies.Length, Count(log, Listed));
        var result = Data(await PostAsync(direct, PerRequest(ListBodies[0]).Body, PerRequestVersion, ("Mcp-Method", "tools/list")))["result"]!;
        Assert.Equal("complete", result["resultType"]!.GetValue<string>());
        Assert.Equal("mxcp", result["_meta"]!["io.modelcontextprotocol/serverInfo"]!["name"]!.GetValue<string>());
        Assert.Equal(10, result["tools"]!.AsArray().Count);
    }

    [Theory]
    [InlineData(MxcpSessionMode.Hybrid)]
    [InlineData(MxcpSessionMode.Stateful)]
    public async Task Answer_SessionToolsList_IsAnsweredDirectlyWithTheSdksBytes(MxcpSessionMode mode)
    {
        var log = new RecordingLogger();
        await using var direct = await StartAsync(log, direct: true, mode: mode);
        await using var sdk = await StartAsync(new RecordingLogger(), direct: false, mode: mode);
        var directSession = await OpenSessionAsync(direct);
        var sdkSession = await OpenSessionAsync(sdk);

        foreach (var body in ListBodies)
        {
            var expected = await PostAsync(sdk, body, SessionVersion, ("Mcp-Session-Id", sdkSession));
            var actual = await PostAsync(direct, body, SessionVersion, ("Mcp-Session-Id", directSession));
            Assert.Equal(expected.Status, actual.Status);
            Assert.Equal(expected.Headers.Replace(sdkSession, "<session>", StringComparison.Ordinal), actual.Headers.Replace(directSession, "<session>", StringComparison.Ordinal));
            Assert.True(expected.Body.AsSpan().SequenceEqual(actual.Body), $"{body}: {Preview(actual.Body)} instead of {Preview(expected.Body)}");
        }

        Assert.Equal(ListBodies.Length, Count(log, Listed));
    }

    [Fact]
    public async Task Answer_ToolsListThisPathDoesNotHandle_GoesToTheSdk()
    {
        var log = new RecordingLogger();
        await using var direct = await StartAsync(log, direct: true, mode: MxcpSessionMode.Hybrid);
        await using var sdk = await StartAsync(new RecordingLogger(), direct: false, mode: MxcpSessionMode.Hybrid);
        var list = PerRequest(ListBodies[0]).Body;
        (string Body, (string, string)[] Headers)[] requests =
        [
            (list.Replace("\"_meta\":{", "\"cursor\":\"abc\",\"_meta\":{", StringComparison.Ordinal), [("Mcp-Method", "tools/list")]),
            (list, [("Mcp-Method", "tools/list"), ("Mcp-Name", "echo")]),
            (list, [("Mcp-Method", "tools/call")]),
            (list, []),
            (list.Replace("\"_meta\":{", "\"_meta\":{\"progressToken\":\"p\",", StringComparison.Ordinal), [("Mcp-Method", "tools/list")]),
            ("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"name":"echo","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}""", [("Mcp-Method", "tools/list")]),
        ];

        foreach (var (body, headers) in requests)
        {
            var expected = await PostAsync(sdk, body, PerRequestVersion, headers);
            var actual = await PostAsync(direct, body, PerRequestVersion, headers);
            Assert.Equal(expected.Status, actual.Status);
            Assert.Equal(Preview(expected.Body), Preview(actual.Body));
        }

        // A 2025 client in hybrid mode lists in a session; without one the SDK refuses.
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(direct, ListBodies[0], "2025-11-25")).Status);
        Assert.Equal(0, Count(log, Listed));
    }

    [Fact]
    public async Task Answer_HostToolsOrListFilter_ToolsListGoesToTheSdk()
    {
        var hostLog = new RecordingLogger();
        await using (var withHostTools = await StartAsync(hostLog, direct: true, s => s.AddMcpServer().WithTools<ListedHostTools>()))
        {
            var tools = Data(await PostAsync(withHostTools, ListBodies[0], "2025-11-25"))["result"]!["tools"]!.AsArray();
            Assert.Contains(tools, t => t!["name"]!.GetValue<string>() == "host_echo");
            Assert.Contains(tools, t => t!["name"]!.GetValue<string>() == "echo");

            // Tool calls of SQL tools are still answered directly.
            Assert.Equal(HttpStatusCode.OK, (await PostAsync(withHostTools, Bodies[0], "2025-11-25")).Status);
            Assert.Equal(1, Count(hostLog, Answered));
        }

        Assert.Equal(0, Count(hostLog, Listed));

        var filterLog = new RecordingLogger();
        var filtered = 0;
        await using var withFilter = await StartAsync(filterLog, direct: true, s => s.AddMcpServer().WithRequestFilters(f => f.AddListToolsFilter(next => (context, ct) =>
        {
            Interlocked.Increment(ref filtered);
            return next(context, ct);
        })));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(withFilter, ListBodies[0], "2025-11-25")).Status);
        Assert.Equal(1, filtered);
        Assert.Equal(0, Count(filterLog, Listed));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(withFilter, Bodies[0], "2025-11-25")).Status);
        Assert.Equal(1, Count(filterLog, Answered));
    }

    [Fact]
    public async Task Answer_ToolsListAfterReload_ListsTheToolsAsTheyAreNow()
    {
        var log = new RecordingLogger();
        await using var direct = await StartAsync(log, direct: true);
        await using var sdk = await StartAsync(new RecordingLogger(), direct: false);
        await AssertSameAnswerAsync(sdk, direct, ListBodies[0], "2025-11-25");

        // One tool added, one removed, one changed: the next listing shows all three changes, as the SDK's does.
        foreach (var server in new[] { direct, sdk })
        {
            McpTestServer.Write(server.Root, "tools/added.yml", """
                tool:
                  name: added
                  description: Added by the reload
                  return: {type: integer}
                  source: {code: "select 1 as i"}
                """);
            File.Delete(Path.Combine(server.Root, "tools", "fails.yml"));
            McpTestServer.Write(server.Root, "tools/echo.yml", """
                tool:
                  name: echo
                  description: Echoes its text, changed
                  parameters: [{name: text, type: string, description: Text}]
                  return: {type: string}
                  source: {code: "select $text as text"}
                """);
            Assert.True(await server.Services.GetRequiredService<ProjectSnapshotProvider>().ReloadAsync(Ct));
        }

        await AssertSameAnswerAsync(sdk, direct, ListBodies[0], "2025-11-25");
        await AssertSameAnswerAsync(sdk, direct, PerRequest(ListBodies[0]).Body, PerRequestVersion, ("Mcp-Method", "tools/list"));
        var tools = Data(await PostAsync(direct, ListBodies[0], "2025-11-25"))["result"]!["tools"]!.AsArray();
        var names = tools.Select(t => t!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("added", names);
        Assert.DoesNotContain("fails", names);
        Assert.Equal("Echoes its text, changed", tools.Single(t => t!["name"]!.GetValue<string>() == "echo")!["description"]!.GetValue<string>());
        Assert.Equal(4, Count(log, Listed));
    }

    [Fact]
    public async Task Answer_ToolsListDuringReloadsAndAHostsNewTool_EveryAnswerIsACompleteListing()
    {
        var log = new RecordingLogger();
        await using var direct = await StartAsync(log, direct: true);
        var added = Path.Combine(direct.Root, "tools", "added.yml");
        var reloads = Task.Run(async () =>
        {
            for (var i = 0; i < 6; i++)
            {
                if (i % 2 == 0)
                {
                    McpTestServer.Write(direct.Root, "tools/added.yml", "tool:\n  name: added\n  description: Added\n  return: {type: integer}\n  source: {code: \"select 1 as i\"}\n");
                }
                else
                {
                    File.Delete(added);
                }

                Assert.True(await direct.Services.GetRequiredService<ProjectSnapshotProvider>().ReloadAsync(Ct));
            }
        }, Ct);
        var listers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var counts = new List<int>();
            for (var i = 0; i < 15; i++)
            {
                var answer = await PostAsync(direct, ListBodies[0], "2025-11-25");
                Assert.Equal(HttpStatusCode.OK, answer.Status);
                counts.Add(Data(answer)["result"]!["tools"]!.AsArray().Count);
            }

            return counts;
        }, Ct)).ToList();
        await reloads;
        var seen = (await Task.WhenAll(listers)).SelectMany(c => c).Distinct().Order().ToList();

        // Every answer listed the ten tools, or the ten and the one the reloads add and remove.
        Assert.Empty(seen.Except([10, 11]));
        Assert.Equal(120, Count(log, Listed));
        var last = Data(await PostAsync(direct, ListBodies[0], "2025-11-25"))["result"]!["tools"]!.AsArray();
        Assert.Equal(10, last.Count);

        // A tool the host adds at run time is not a project endpoint: listings go to the SDK from then on, and show it.
        var tools = direct.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<McpServerOptions>>().Value.ToolCollection!;
        tools.Add(McpServerTool.Create((string text) => text, new McpServerToolCreateOptions { Name = "host_later", Description = "Added by the host" }));
        var withHostTool = Data(await PostAsync(direct, ListBodies[0], "2025-11-25"))["result"]!["tools"]!.AsArray();
        Assert.Contains(withHostTool, t => t!["name"]!.GetValue<string>() == "host_later");
        Assert.Equal(11, withHostTool.Count);
        Assert.Equal(121, Count(log, Listed));
    }

    private static async Task AssertSameAnswerAsync(McpTestServer sdk, McpTestServer direct, string body, string? version, params (string Name, string Value)[] headers)
    {
        var expected = await PostAsync(sdk, body, version, headers);
        var actual = await PostAsync(direct, body, version, headers);
        Assert.Equal(HttpStatusCode.OK, expected.Status);
        Assert.Equal(expected.Status, actual.Status);
        Assert.Equal(expected.Headers, actual.Headers);
        Assert.True(expected.Body.AsSpan().SequenceEqual(actual.Body), $"{version} {body}: {Preview(actual.Body)} instead of {Preview(expected.Body)}");
    }

    [McpServerToolType]
    private sealed class ListedHostTools
    {
        [McpServerTool(Name = "host_echo"), System.ComponentModel.Description("Echoes (a tool of the host)")]
        public static string Echo(string text) => text;
    }
}
