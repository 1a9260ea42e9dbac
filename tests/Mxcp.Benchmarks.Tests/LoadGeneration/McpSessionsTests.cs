using System.Net;
using System.Text.Json.Nodes;
using Mxcp.Benchmarks.Harness.LoadGeneration;

namespace Mxcp.Benchmarks.Tests.LoadGeneration;

public sealed class McpSessionsTests
{
    private static readonly Uri Url = new("http://127.0.0.1:1/mcp");

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-11-25","capabilities":{}}}""", "2025-11-25")]
    [InlineData("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"protocolVersion\":\"2025-06-18\"}}\n\n", "2025-06-18")]
    [InlineData("""{"jsonrpc":"2.0","id":0,"error":{"code":-32602,"message":"Unsupported protocol version"}}""", null)]
    [InlineData("not json", null)]
    public void NegotiatedProtocol_InitializeAnswer_ReadsTheResultsVersion(string answer, string? expected)
    {
        Assert.Equal(expected, McpSessions.NegotiatedProtocol(answer));
    }

    [Fact]
    public async Task TakeAsync_ServerWithSessions_InitializesEachAndDeletesThemOnDispose()
    {
        var server = new RecordingServer(sessionIds: true);
        using var http = new HttpClient(server);
        var sessions = new McpSessions(http, Url, "2025-11-25");

        var first = await sessions.TakeAsync(2, TestContext.Current.CancellationToken);
        var again = await sessions.TakeAsync(1, TestContext.Current.CancellationToken);
        await sessions.DisposeAsync();

        Assert.Equal(["s1", "s2"], first);
        Assert.Equal(["s1"], again);
        Assert.Equal(
            ["POST initialize -", "POST notifications/initialized s1", "POST initialize -", "POST notifications/initialized s2", "DELETE - s1", "DELETE - s2"],
            server.Requests);
    }

    [Fact]
    public async Task TakeAsync_ServerWithoutSessions_YieldsEmptyIdsAndDeletesNothing()
    {
        var server = new RecordingServer(sessionIds: false);
        using var http = new HttpClient(server);
        var sessions = new McpSessions(http, Url, "2025-11-25");

        Assert.Equal(["", ""], await sessions.TakeAsync(2, TestContext.Current.CancellationToken));
        await sessions.DisposeAsync();

        Assert.DoesNotContain(server.Requests, r => r.StartsWith("DELETE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TakeAsync_OtherProtocolNegotiated_ThrowsAndNamesBoth()
    {
        var server = new RecordingServer(sessionIds: true) { Protocol = "2024-11-05" };
        using var http = new HttpClient(server);
        var sessions = new McpSessions(http, Url, "2025-11-25");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => sessions.TakeAsync(1, TestContext.Current.CancellationToken));

        Assert.Contains("2025-11-25", error.Message, StringComparison.Ordinal);
        Assert.Contains("2024-11-05", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Answers initialize as SSE (with a session id when asked to), 202 to notifications, 200 to DELETE; records "METHOD rpc-method session".</summary>
    private sealed class RecordingServer(bool sessionIds) : HttpMessageHandler
    {
        private int _sessions;

        public List<string> Requests { get; } = [];

        public string Protocol { get; init; } = "2025-11-25";

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var session = request.Headers.TryGetValues("Mcp-Session-Id", out var values) ? values.Single() : "-";
            var method = request.Content is null ? "-" : JsonNode.Parse(await request.Content.ReadAsStringAsync(cancellationToken))!["method"]!.GetValue<string>();
            Requests.Add($"{request.Method} {method} {session}");
            if (method == "initialize")
            {
                var response = new HttpResponseMessage(HttpStatusCode.OK)
                {
                    Content = new StringContent($"event: message\ndata: {{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{{\"protocolVersion\":\"{Protocol}\"}}}}\n\n"),
                };
                if (sessionIds)
                {
                    response.Headers.Add("Mcp-Session-Id", $"s{++_sessions}");
                }

                return response;
            }

            return new HttpResponseMessage(request.Method == HttpMethod.Delete ? HttpStatusCode.OK : HttpStatusCode.Accepted);
        }
    }
}
