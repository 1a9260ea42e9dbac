using System.Net;
using System.Text.Json;
using ModelContextProtocol.Client;
using Mxcp.IntegrationTests.Support;

namespace Mxcp.IntegrationTests.Admin;

/// <summary>
/// The admin API's <c>/sessions</c> on the admin Unix socket of a real `mxcp serve`: every live session of the server,
/// whatever its transport, can be listed, shown and ended, and opening and closing sessions reach <c>/events</c>.
/// </summary>
public sealed class AdminSessionTests(SalesSampleFixture sample) : IClassFixture<SalesSampleFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<T> WithAdminSocketAsync<T>(string socket, Func<Task<T>> start)
    {
        sample.Project.Environment["MXCP_ADMIN_ENABLED"] = "true";
        sample.Project.Environment["MXCP_ADMIN_SOCKET"] = socket;
        try
        {
            return await start();
        }
        finally
        {
            sample.Project.Environment.Remove("MXCP_ADMIN_ENABLED");
            sample.Project.Environment.Remove("MXCP_ADMIN_SOCKET");
        }
    }

    [Fact]
    public async Task Sessions_StreamableHttp_ListShowEndAndEvents()
    {
        var socket = AdminSocket.NewPath();
        await using var server = await WithAdminSocketAsync(socket, () => ServeProcess.StartAsync(sample.Project));
        using var admin = AdminSocket.Client(socket);
        using var events = new AdminEvents(socket);
        await events.StartAsync(Ct);

        await using var client = await server.ConnectAsync("2025-11-25", cancellationToken: Ct);
        await using var stateless = await server.ConnectAsync(cancellationToken: Ct);
        Assert.NotNull(client.SessionId);
        Assert.Null(stateless.SessionId);
        await client.CallToolAsync("top_products", new Dictionary<string, object?> { ["since"] = "2024-01-01", ["limit"] = 1 }, cancellationToken: Ct);

        // Only the client with a session is listed (a 2026-07-28 client has none).
        var listed = Assert.Single((await admin.GetJsonAsync("/sessions", Ct)).GetProperty("sessions").EnumerateArray());
        Assert.Equal(client.SessionId, listed.GetProperty("session_id").GetString());
        Assert.Equal("streamable-http", listed.GetProperty("transport").GetString());
        Assert.Equal("it", listed.GetProperty("client").GetProperty("name").GetString());
        Assert.Equal("2025-11-25", listed.GetProperty("protocol_version").GetString());

        var shown = await admin.GetJsonAsync($"/sessions/{client.SessionId}", Ct);
        Assert.Equal(client.SessionId, shown.GetProperty("session_id").GetString());
        Assert.True(DateTimeOffset.Parse(shown.GetProperty("last_activity").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            >= DateTimeOffset.Parse(shown.GetProperty("created_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        using (var unknown = await admin.GetAsync("/sessions/nope", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        using (var deleted = await admin.DeleteAsync($"/sessions/{client.SessionId}", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
            var body = JsonDocument.Parse(await deleted.Content.ReadAsStringAsync(Ct)).RootElement;
            Assert.Equal("terminated", body.GetProperty("status").GetString());
        }

        Assert.Empty((await admin.GetJsonAsync("/sessions", Ct)).GetProperty("sessions").EnumerateArray());
        using (var again = await admin.DeleteAsync($"/sessions/{client.SessionId}", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }

        // The session is gone for its client too: the server answers its id with 404.
        await Assert.ThrowsAnyAsync<Exception>(() => client.ListToolsAsync(cancellationToken: Ct).AsTask());
        using (var http = new HttpClient())
        {
            var request = new HttpRequestMessage(HttpMethod.Post, server.Endpoint) { Content = new StringContent("""{"jsonrpc":"2.0","id":7,"method":"tools/list"}""", System.Text.Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
            request.Headers.Add("Mcp-Session-Id", client.SessionId);
            using var response = await http.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        var opened = await events.WaitForAsync("session.opened", client.SessionId!, Ct);
        Assert.Equal("streamable-http", opened.GetProperty("transport").GetString());
        await events.WaitForAsync("session.closed", client.SessionId!, Ct);

        server.Signal("TERM");
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Sessions_Stdio_IsListedAndEndingItEndsTheServer()
    {
        var socket = AdminSocket.NewPath();
        await using var client = await WithAdminSocketAsync(socket, () => StdioServer.ConnectAsync(sample.Project, Ct));
        await client.ListToolsAsync(cancellationToken: Ct);
        await AdminSocket.WaitUntilListeningAsync(socket, TimeSpan.FromSeconds(60), Ct);
        using var admin = AdminSocket.Client(socket);

        var session = Assert.Single((await admin.GetJsonAsync("/sessions", Ct)).GetProperty("sessions").EnumerateArray());
        Assert.Equal("stdio", session.GetProperty("transport").GetString());
        var id = session.GetProperty("session_id").GetString()!;
        Assert.StartsWith("stdio-", id);

        using (var deleted = await admin.DeleteAsync($"/sessions/{id}", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        // As when the client closes stdin: the server stops and removes its admin socket.
        for (var i = 0; i < 300 && File.Exists(socket); i++)
        {
            await Task.Delay(100, Ct);
        }

        Assert.False(File.Exists(socket), "the server stopped and removed its admin socket");
    }

    /// <summary>The admin <c>/events</c> stream, read in the background.</summary>
    private sealed class AdminEvents(string socket) : IDisposable
    {
        private readonly HttpClient _http = AdminSocket.Client(socket);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<(string Name, JsonElement Data)> _seen = [];
        private readonly SemaphoreSlim _arrived = new(0);
        private Task? _reader;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var response = await _http.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.EnsureSuccessStatusCode();
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            _reader = Task.Run(async () =>
            {
                using var reader = new StreamReader(stream);
                string? name = null;
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    if (line.StartsWith("event: ", StringComparison.Ordinal))
                    {
                        name = line["event: ".Length..];
                    }
                    else if (line.StartsWith("data: ", StringComparison.Ordinal) && name is not null)
                    {
                        lock (_seen)
                        {
                            _seen.Add((name, JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone()));
                        }

                        _arrived.Release();
                    }
                }
            });
        }

        public async Task<JsonElement> WaitForAsync(string name, string sessionId, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            while (true)
            {
                lock (_seen)
                {
                    foreach (var (n, data) in _seen)
                    {
                        if (n == name && data.TryGetProperty("session_id", out var id) && id.GetString() == sessionId)
                        {
                            return data;
                        }
                    }
                }

                await _arrived.WaitAsync(timeout.Token);
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _http.Dispose();
            _stop.Dispose();
        }
    }
}
