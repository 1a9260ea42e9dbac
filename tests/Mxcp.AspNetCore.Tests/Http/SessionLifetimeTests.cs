using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Mxcp.AspNetCore.Tests.Support;
using Mxcp.Runtime.Reload;

namespace Mxcp.AspNetCore.Tests.Http;

public sealed class SessionLifetimeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Registry_ShowsClientAndTerminateEndsTheSession()
    {
        await using var server = await McpTestServer.StartAsync();
        await using var client = await server.ConnectAsync("2025-11-25");
        var registry = server.Sessions;
        var session = Assert.Single(registry.Sessions);
        Assert.Equal(client.SessionId, session.Id);
        Assert.Equal("tests", session.ClientInfo?.Name);
        Assert.Equal("2025-11-25", session.ProtocolVersion);
        Assert.Equal("streamable-http", session.Transport);

        Assert.True(await registry.TerminateAsync(session.Id, Ct));
        Assert.Empty(registry.Sessions);
        await Assert.ThrowsAnyAsync<Exception>(() => client.ListToolsAsync(cancellationToken: Ct).AsTask());
    }

    [Fact]
    public async Task Registry_LegacySseSession_IsListedAndTerminateEndsIt()
    {
        await using var server = await McpTestServer.StartAsync(o => o.EnableLegacySse = true);
        await using var client = await server.ConnectAsync("2024-11-05", ModelContextProtocol.Client.HttpTransportMode.Sse, path: "/mcp/sse");
        await client.ListToolsAsync(cancellationToken: Ct);
        var session = Assert.Single(server.Sessions.Sessions);
        Assert.Equal("sse", session.Transport);
        Assert.True(session.IsActive, "an SSE session is active while its stream is open");
        Assert.Equal("tests", session.ClientInfo?.Name);

        Assert.True(await server.Sessions.TerminateAsync(session.Id, Ct));
        for (var i = 0; i < 100 && server.Sessions.Count > 0; i++)
        {
            await Task.Delay(50, Ct);
        }

        Assert.Empty(server.Sessions.Sessions);
        await Assert.ThrowsAnyAsync<Exception>(() => client.ListToolsAsync(cancellationToken: Ct).AsTask());
    }

    [Fact]
    public async Task IdleSessions_OverTheLimit_TheOldestIsClosed()
    {
        await using var server = await McpTestServer.StartAsync(o => o.MaxIdleSessionCount = 2);
        using var http = new HttpClient();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, server.McpUri)
            {
                Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""", System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
            using var response = await http.SendAsync(request, Ct);
            ids.Add(response.Headers.GetValues("Mcp-Session-Id").Single());
        }

        Assert.Equal(ids[1..], server.Sessions.Sessions.Select(s => s.Id));
        var stale = new HttpRequestMessage(HttpMethod.Post, server.McpUri) { Content = new StringContent("""{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", System.Text.Encoding.UTF8, "application/json") };
        stale.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        stale.Headers.Add("Mcp-Session-Id", ids[0]);
        using var refused = await http.SendAsync(stale, Ct);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
    }

    [Fact]
    public async Task IdleSessions_ArePrunedAfterTheIdleTimeout()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var server = await McpTestServer.StartAsync(o =>
        {
            o.IdleTimeout = TimeSpan.FromMinutes(10);
            o.TimeProvider = clock;
        });
        await using var client = await server.ConnectAsync("2025-11-25", headers: null);
        var registry = server.Sessions;
        Assert.Single(registry.Sessions);

        // The client's GET stream keeps the session active; once it is idle for longer than the timeout it goes.
        await client.DisposeAsync();
        clock.Advance(TimeSpan.FromMinutes(11));
        for (var i = 0; i < 100 && registry.Sessions.Any(); i++)
        {
            clock.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(50, Ct);
        }

        Assert.Empty(registry.Sessions);
    }

    [Fact]
    public async Task HealthAndReady_ReportStatus()
    {
        await using var server = await McpTestServer.StartAsync();
        using var http = new HttpClient();
        var health = JsonDocument.Parse(await http.GetStringAsync(new Uri(server.BaseUri, "/health"), Ct)).RootElement;
        Assert.Equal("ok", health.GetProperty("status").GetString());
        var ready = JsonDocument.Parse(await http.GetStringAsync(new Uri(server.BaseUri, "/ready"), Ct)).RootElement;
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal("web", ready.GetProperty("project").GetString());

        // While a reload drains calls, the server is not ready (and new calls wait).
        await using var client = await server.ConnectAsync("2025-11-25");
        var call = client.CallToolAsync("wait", cancellationToken: Ct).AsTask();
        while (server.Gate.Started == 0)
        {
            await Task.Delay(20, Ct);
        }

        var reload = server.Services.GetRequiredService<ProjectSnapshotProvider>().ReloadAsync("test", _ => Task.CompletedTask, Ct);
        using (var response = await http.GetAsync(new Uri(server.BaseUri, "/ready"), Ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("reloading", JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("reason").GetString());
        }

        server.Gate.Open();
        await call;
        Assert.True(await reload);
        using var after = await http.GetAsync(new Uri(server.BaseUri, "/ready"), Ct);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private readonly List<(ITimerCallbackHolder Timer, TimeSpan Period)> _timers = [];
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        // The SDK measures idle time with timestamps.
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _now.UtcTicks;

        public void Advance(TimeSpan by)
        {
            _now += by;
            List<ITimerCallbackHolder> due;
            lock (_timers)
            {
                due = [.. _timers.Select(t => t.Timer)];
            }

            foreach (var timer in due)
            {
                timer.Fire();
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new ManualTimer(this, callback, state);
            lock (_timers)
            {
                _timers.Add((timer, period));
            }

            return timer;
        }

        private void Remove(ManualTimer timer)
        {
            lock (_timers)
            {
                _timers.RemoveAll(t => ReferenceEquals(t.Timer, timer));
            }
        }

        private interface ITimerCallbackHolder
        {
            void Fire();
        }

        private sealed class ManualTimer(ManualClock clock, TimerCallback callback, object? state) : ITimer, ITimerCallbackHolder
        {
            public void Fire() => callback(state);

            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose() => clock.Remove(this);

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
