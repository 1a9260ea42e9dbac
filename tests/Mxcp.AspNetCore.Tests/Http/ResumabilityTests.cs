using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mxcp.AspNetCore.Tests.Support;

namespace Mxcp.AspNetCore.Tests.Http;

/// <summary>Resumable SSE through the SDK's event store (<see cref="MxcpHttpOptions.EnableResumability"/>).</summary>
public sealed partial class ResumabilityTests
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex(@"^id: ?(\S+)$", RegexOptions.Multiline)]
    private static partial Regex EventId();

    private static HttpRequestMessage Post(McpTestServer server, string body, string? session)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, server.McpUri) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        }

        return request;
    }

    private static async Task<(string Session, string CallEvents)> CallEchoAsync(HttpClient http, McpTestServer server)
    {
        using var init = await http.SendAsync(Post(server, Initialize, null), Ct);
        var session = init.Headers.GetValues("Mcp-Session-Id").Single();
        using (await http.SendAsync(Post(server, """{"jsonrpc":"2.0","method":"notifications/initialized"}""", session), Ct))
        {
        }

        using var call = await http.SendAsync(Post(server, """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"again"}}}""", session), Ct);
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        return (session, await call.Content.ReadAsStringAsync(Ct));
    }

    private static HttpRequestMessage Resume(McpTestServer server, string session, string lastEventId)
    {
        var get = new HttpRequestMessage(HttpMethod.Get, server.McpUri);
        get.Headers.Add("Accept", "text/event-stream");
        get.Headers.Add("Mcp-Session-Id", session);
        get.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        get.Headers.Add("Last-Event-ID", lastEventId);
        return get;
    }

    [Fact]
    public async Task Resume_WithTheEventStore_ReplaysTheAnswerAfterTheLastSeenEvent()
    {
        await using var server = await McpTestServer.StartAsync(o => o.EnableResumability = true);
        using var http = new HttpClient();
        var (session, events) = await CallEchoAsync(http, server);

        // The first event primes the stream (an id, no data); the answer follows it.
        var ids = EventId().Matches(events).Select(m => m.Groups[1].Value).ToList();
        Assert.True(ids.Count >= 2, events);
        Assert.Contains("again", events);

        using var resumed = await http.SendAsync(Resume(server, session, ids[0]), Ct);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        var replay = await resumed.Content.ReadAsStringAsync(Ct);
        Assert.Contains("\"text\":\"again\"", replay);
    }

    [Fact]
    public async Task Resume_WithoutTheEventStore_Is400()
    {
        await using var server = await McpTestServer.StartAsync();
        using var http = new HttpClient();
        var (session, events) = await CallEchoAsync(http, server);
        Assert.DoesNotMatch(EventId(), events);

        using var resumed = await http.SendAsync(Resume(server, session, "1"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, resumed.StatusCode);
        Assert.Equal("Bad Request: This server does not support resuming streams.",
            JsonDocument.Parse(await resumed.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error").GetProperty("message").GetString());
    }
}
