using System.Text.Json.Nodes;
using ModelContextProtocol;
using Mxcp.Plugins.Upstream.Configuration;
using Mxcp.Plugins.Upstream.Supervision;
using Mxcp.Tests.Shared;

namespace Mxcp.Plugins.Upstream.Tests;

public sealed class UpstreamResilienceTests
{
    private static readonly UpstreamRetrySettings TwoRetries = new(2, TimeSpan.FromMilliseconds(1));
    private static readonly UpstreamCircuitBreakerSettings Breaker = new(0.5, 2, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JsonNode Ok() => new JsonObject { ["content"] = new JsonArray() };

    /// <summary>A call that fails with the given exceptions in turn, then answers.</summary>
    private sealed class Script(params Exception[] failures)
    {
        public int Attempts { get; private set; }

        public Task<JsonNode> CallAsync(CancellationToken cancellationToken) =>
            Attempts++ < failures.Length ? Task.FromException<JsonNode>(failures[Attempts - 1]) : Task.FromResult(Ok());
    }

    [Fact]
    public async Task ExecuteAsync_RepeatableToolTimesOut_RetriedUntilItAnswers()
    {
        var resilience = new UpstreamResilience("shop", TwoRetries, null, TimeProvider.System, null);
        var script = new Script(new TimeoutException("slow"), new TimeoutException("slow"));
        await resilience.ExecuteAsync(script.CallAsync, repeatable: true, Ct);
        Assert.Equal(3, script.Attempts);
    }

    [Fact]
    public async Task ExecuteAsync_NonIdempotentToolTimesOut_NotRetried()
    {
        var resilience = new UpstreamResilience("shop", TwoRetries, null, TimeProvider.System, null);
        var script = new Script(new TimeoutException("upstream 'shop' did not answer"));
        var e = await Assert.ThrowsAsync<TimeoutException>(() => resilience.ExecuteAsync(script.CallAsync, repeatable: false, Ct));
        Assert.Equal("upstream 'shop' did not answer", e.Message);
        Assert.Equal(1, script.Attempts);
    }

    [Fact]
    public async Task ExecuteAsync_NonIdempotentToolNotConnected_RetriedBecauseTheCallNeverLeft()
    {
        var resilience = new UpstreamResilience("shop", TwoRetries, null, TimeProvider.System, null);
        var refused = new InvalidOperationException("upstream 'shop' failed", new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"));
        var script = new Script(new UpstreamUnavailableException("upstream 'shop' is not available"), refused);
        await resilience.ExecuteAsync(script.CallAsync, repeatable: false, Ct);
        Assert.Equal(3, script.Attempts);
    }

    [Fact]
    public async Task ExecuteAsync_UpstreamAnsweredAnError_NeitherRetriedNorCountedByTheBreaker()
    {
        var changes = new List<string>();
        var resilience = new UpstreamResilience("shop", TwoRetries, Breaker, TimeProvider.System, (from, to, _) => changes.Add($"{from}->{to}"));
        for (var i = 0; i < 5; i++)
        {
            var script = new Script(new InvalidOperationException("upstream 'shop': Unknown tool", new McpProtocolException("Unknown tool", McpErrorCode.InvalidParams)));
            await Assert.ThrowsAsync<InvalidOperationException>(() => resilience.ExecuteAsync(script.CallAsync, repeatable: true, Ct));
            Assert.Equal(1, script.Attempts);
        }

        Assert.Equal(UpstreamResilience.Closed, resilience.CircuitState);
        Assert.Empty(changes);
    }

    [Fact]
    public async Task ExecuteAsync_FailuresReachTheRatio_CircuitOpensRefusesAtOnceThenClosesAfterTheBreak()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var changes = new List<string>();
        var resilience = new UpstreamResilience("shop", null, Breaker, clock, (from, to, error) => changes.Add($"{from}->{to}{(error is null ? "" : ": " + error)}"));
        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<TimeoutException>(() => resilience.ExecuteAsync(new Script(new TimeoutException("no answer within 1 s")).CallAsync, repeatable: false, Ct));
        }

        Assert.Equal(UpstreamResilience.Open, resilience.CircuitState);
        Assert.Equal(["closed->open: no answer within 1 s"], changes);

        // Refused without calling the upstream, with a message naming it.
        var untouched = new Script();
        var refused = await Assert.ThrowsAsync<UpstreamUnavailableException>(() => resilience.ExecuteAsync(untouched.CallAsync, repeatable: true, Ct));
        Assert.Equal(0, untouched.Attempts);
        Assert.Contains("upstream 'shop' is not called: its circuit breaker is open after repeated failures (last: no answer within 1 s)", refused.Message, StringComparison.Ordinal);

        // After the break one call goes through; its success closes the circuit.
        clock.Advance(TimeSpan.FromSeconds(11));
        var probe = new Script();
        await resilience.ExecuteAsync(probe.CallAsync, repeatable: false, Ct);
        Assert.Equal(1, probe.Attempts);
        Assert.Equal(UpstreamResilience.Closed, resilience.CircuitState);
        Assert.Equal(["closed->open: no answer within 1 s", "open->half_open", "half_open->closed"], changes);
    }

    [Fact]
    public async Task ExecuteAsync_FailureRatioReachedExactly_CircuitOpens()
    {
        var resilience = new UpstreamResilience("shop", null, Breaker, TimeProvider.System, null);
        await resilience.ExecuteAsync(new Script().CallAsync, repeatable: false, Ct);
        Assert.Equal(UpstreamResilience.Closed, resilience.CircuitState);
        await Assert.ThrowsAsync<TimeoutException>(() => resilience.ExecuteAsync(new Script(new TimeoutException("slow")).CallAsync, repeatable: false, Ct));
        Assert.Equal(UpstreamResilience.Open, resilience.CircuitState);
    }

    [Fact]
    public async Task ExecuteAsync_OpenCircuit_RetriesDoNotHammerIt()
    {
        var resilience = new UpstreamResilience("shop", TwoRetries, Breaker, TimeProvider.System, null);
        var script = new Script(new TimeoutException("a"), new TimeoutException("b"), new TimeoutException("c"));
        await Assert.ThrowsAsync<UpstreamUnavailableException>(() => resilience.ExecuteAsync(script.CallAsync, repeatable: true, Ct));
        Assert.Equal(2, script.Attempts);
    }

    [Fact]
    public async Task ExecuteAsync_NoBreaker_CircuitStateIsNull()
    {
        var resilience = new UpstreamResilience("shop", null, null, TimeProvider.System, null);
        Assert.Null(resilience.CircuitState);
        await resilience.ExecuteAsync(new Script().CallAsync, repeatable: false, Ct);
    }
}
