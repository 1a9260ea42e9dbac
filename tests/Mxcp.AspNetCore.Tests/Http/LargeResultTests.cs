using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Mxcp.AspNetCore.Tests.Support;
using Mxcp.Tests.Shared;

namespace Mxcp.AspNetCore.Tests.Http;

/// <summary>
/// Tool results over 256 KiB are written once by Mxcp and put in place of a stand-in as the response leaves; the
/// client must get exactly what the SDK would have sent.
/// </summary>
public sealed class LargeResultTests
{
    private const int Rows = 20_000;
    private const int Ids = 60_000;
    private const string Piece = "é\"\\😀";
    private const int Pieces = 100_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Adds three tools whose results pass the threshold: rows with a return type, a string, rows without one.</summary>
    internal static void LargeTools(string root)
    {
        McpTestServer.Write(root, "tools/big_rows.yml", """
            tool:
              name: big_rows
              description: Many rows with quotes, backslashes, new lines and characters outside ASCII
              return: {type: array, items: {type: object, properties: {id: {type: integer}, label: {type: string}}}}
              source: {code: "select i as id, 'naïve \"q\" \\ ' || chr(10) || '😀 ' || i as label from range(20000) t(i) order by i"}
            """);
        McpTestServer.Write(root, "tools/big_text.yml", """
            tool:
              name: big_text
              description: One long string
              return: {type: string}
              source: {code: "select repeat('é\"\\😀', 100000) as s"}
            """);
        McpTestServer.Write(root, "tools/big_untyped.yml", """
            tool:
              name: big_untyped
              description: Many rows, no return type
              source: {code: "select i as id from range(60000) t(i) order by i"}
            """);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("2025-06-18", false)]
    public async Task CallTool_ResultsOverTheThreshold_ArriveWholeAndAreSentAsWritten(string? protocolVersion, bool directToolCalls)
    {
        // A 2026-07-28 client (no version asked) has no session, a 2025-06-18 client has one: Mxcp answers the calls of
        // both itself unless told not to, which keeps the SDK's paths covered here.
        var log = new RecordingLogger();
        await using var server = await McpTestServer.StartAsync(
            o => o.DirectToolCalls = directToolCalls, writeProject: LargeTools, services: s => s.AddLogging(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug)));
        await using var client = await server.ConnectAsync(protocolVersion);

        var results = await CallAllAsync(client);

        AssertExpected(results);

        // Each result went into its POST's response in place of a stand-in: the SDK formatted a few hundred bytes.
        var handed = log.Messages.Where(m => m.Message.Contains("goes into the response as the JSON Mxcp wrote", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, handed.Count);
        Assert.All(handed, m => Assert.Equal(LogLevel.Debug, m.Level));
        Assert.Equal(3, log.Messages.Count(m => m.Message == "Wrote 1 large result(s) straight into the response"));
        Assert.DoesNotContain("did not pass through their response", log.All, StringComparison.Ordinal);
        Assert.DoesNotContain("was sent as the JSON Mxcp wrote", log.All, StringComparison.Ordinal);
        Assert.DoesNotContain("Answered the tools/call of", log.All, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("2025-06-18")]
    public async Task CallTool_ClientAnsweredDirectly_ResultsArriveWholeWithoutTheSdk(string? protocolVersion)
    {
        var log = new RecordingLogger();
        await using var server = await McpTestServer.StartAsync(writeProject: LargeTools, services: s => s.AddLogging(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug)));
        await using var client = await server.ConnectAsync(protocolVersion);

        var results = await CallAllAsync(client);

        AssertExpected(results);
        Assert.Equal(3, log.Messages.Count(m => m.Message.StartsWith("Answered the tools/call of big_", StringComparison.Ordinal)));
        Assert.DoesNotContain("goes into the response", log.All, StringComparison.Ordinal);
        Assert.DoesNotContain("was sent as the JSON Mxcp wrote", log.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_ResumableSessions_ResultsAreWrittenThroughTheSdkNotSpliced()
    {
        // With an event store, each message is kept for replay as the SDK formats it: the whole result, not a stand-in.
        var log = new RecordingLogger();
        await using var server = await McpTestServer.StartAsync(
            o => o.EnableResumability = true, writeProject: LargeTools, services: s => s.AddLogging(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug)));
        await using var client = await server.ConnectAsync("2025-06-18");

        var results = await CallAllAsync(client);

        AssertExpected(results);
        Assert.Equal(3, log.Messages.Count(m => m.Message.Contains("was sent as the JSON Mxcp wrote", StringComparison.Ordinal)));
        Assert.DoesNotContain("goes into the response", log.All, StringComparison.Ordinal);
        Assert.DoesNotContain("straight into the response", log.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_LegacySseTransport_ResultsArriveWholeWithoutSplicing()
    {
        // Answers of the legacy transport leave on its GET stream, not on the POST that carried the call.
        var log = new RecordingLogger();
        await using var server = await McpTestServer.StartAsync(
            o => o.EnableLegacySse = true, writeProject: LargeTools, services: s => s.AddLogging(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug)));
        await using var client = await server.ConnectAsync("2024-11-05", HttpTransportMode.Sse, path: "/mcp/sse");

        var results = await CallAllAsync(client);

        AssertExpected(results);
        Assert.Equal(3, log.Messages.Count(m => m.Message.Contains("was sent as the JSON Mxcp wrote", StringComparison.Ordinal)));
        Assert.DoesNotContain("goes into the response", log.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_HostHasACallToolFilter_FilterSeesTheResultAndTheClientGetsTheSameJson()
    {
        var log = new RecordingLogger();
        var seen = new List<string>();
        await using var plain = await McpTestServer.StartAsync(writeProject: LargeTools);
        await using var filtered = await McpTestServer.StartAsync(writeProject: LargeTools, services: s =>
        {
            s.AddLogging(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug));
            s.AddMcpServer().WithRequestFilters(f => f.AddCallToolFilter(next => async (context, ct) =>
            {
                var result = await next(context, ct);
                lock (seen)
                {
                    seen.Add(((TextContentBlock)result.Content[0]).Text[..20]);
                }

                return result;
            }));
        });
        await using var plainClient = await plain.ConnectAsync();
        await using var filteredClient = await filtered.ConnectAsync();

        var written = await CallAllAsync(plainClient);
        var serialized = await CallAllAsync(filteredClient);

        AssertExpected(serialized);
        Assert.Equal(["[{\"id\":0,\"label\":\"na", string.Concat(Enumerable.Repeat(Piece, 4)), "[{\"id\":0},{\"id\":1},{"], seen);
        foreach (var (name, result) in written)
        {
            Assert.True(JsonNode.DeepEquals(Json(result), Json(serialized[name])), name);
        }

        Assert.DoesNotContain("was sent as the JSON Mxcp wrote", log.All, StringComparison.Ordinal);
        Assert.DoesNotContain("goes into the response", log.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_SmallResults_AreNotDeferred()
    {
        var log = new RecordingLogger();
        await using var server = await McpTestServer.StartAsync(
            writeProject: root => McpTestServer.Write(root, "tools/small_rows.yml", """
                tool:
                  name: small_rows
                  description: Two rows, no return type
                  source: {code: "select i as id, 'é' || i as label from range(2) t(i) order by i"}
                """),
            services: s => s.AddLogging(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug)));
        await using var client = await server.ConnectAsync();

        var echo = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "small" }, cancellationToken: Ct);
        var rows = await client.CallToolAsync("small_rows", cancellationToken: Ct);

        Assert.Equal("small", Assert.IsType<TextContentBlock>(Assert.Single(echo.Content)).Text);
        Assert.NotEqual(true, rows.IsError);
        Assert.Null(rows.StructuredContent);
        Assert.Equal("""[{"id":0,"label":"\u00E90"},{"id":1,"label":"\u00E91"}]""", Assert.IsType<TextContentBlock>(Assert.Single(rows.Content)).Text);
        Assert.DoesNotContain("was sent as the JSON Mxcp wrote", log.All, StringComparison.Ordinal);
        Assert.DoesNotContain("goes into the response", log.All, StringComparison.Ordinal);
    }

    private static async Task<Dictionary<string, CallToolResult>> CallAllAsync(McpClient client)
    {
        var results = new Dictionary<string, CallToolResult>(StringComparer.Ordinal);
        foreach (var name in new[] { "big_rows", "big_text", "big_untyped" })
        {
            results[name] = await client.CallToolAsync(name, cancellationToken: Ct);
        }

        return results;
    }

    private static void AssertExpected(Dictionary<string, CallToolResult> results)
    {
        var rows = results["big_rows"];
        Assert.NotEqual(true, rows.IsError);
        var text = JsonNode.Parse(Assert.IsType<TextContentBlock>(Assert.Single(rows.Content)).Text)!.AsArray();
        Assert.Equal(Rows, text.Count);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"id":19999,"label":"naïve \"q\" \\ \n😀 19999"}"""), text[^1]), text[^1]!.ToJsonString());
        var structured = JsonNode.Parse(rows.StructuredContent!.Value.GetRawText())!;
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["result"] = text.DeepClone() }, structured));

        var longText = results["big_text"];
        Assert.NotEqual(true, longText.IsError);
        Assert.Equal(string.Concat(Enumerable.Repeat(Piece, Pieces)), Assert.IsType<TextContentBlock>(Assert.Single(longText.Content)).Text);

        var untyped = results["big_untyped"];
        Assert.NotEqual(true, untyped.IsError);
        var ids = JsonNode.Parse(Assert.IsType<TextContentBlock>(Assert.Single(untyped.Content)).Text)!.AsArray();
        Assert.Equal(Ids, ids.Count);
        Assert.Equal(Ids - 1, ids[^1]!["id"]!.GetValue<int>());
        Assert.Null(untyped.StructuredContent);
    }

    private static JsonNode Json(CallToolResult result) =>
        JsonSerializer.SerializeToNode(result, McpJsonUtilities.DefaultOptions.GetTypeInfo<CallToolResult>())!;
}
