using System.Net.Http;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using Mxcp.Plugins.Upstream.Configuration;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Mxcp.Plugins.Upstream.Supervision;

/// <summary>A call that did not reach the upstream: it is not connected, or the connection could not be made.</summary>
internal sealed class UpstreamUnavailableException(string message, Exception? inner = null) : InvalidOperationException(message, inner);

/// <summary>
/// The retries and the circuit breaker of one upstream's calls (Polly). A call is retried only when repeating it is
/// safe: when it did not reach the upstream (not connected, connection refused), or when the tool says it is
/// read-only or idempotent (then timeouts and broken connections are retried too). The circuit breaker counts calls
/// that failed because of the upstream (timeouts, broken connections, no connection); answers of the upstream, tool
/// errors included, count as successes. An open circuit refuses calls at once.
/// </summary>
internal sealed class UpstreamResilience
{
    public const string Closed = "closed";
    public const string Open = "open";
    public const string HalfOpen = "half_open";

    private static readonly ResiliencePropertyKey<bool> RepeatableKey = new("mxcp.upstream.repeatable");

    private readonly string _upstream;
    private readonly ResiliencePipeline<JsonNode> _pipeline;
    private readonly CircuitBreakerStateProvider? _state;
    private readonly Action<string, string, string?>? _circuitChanged;
    private string? _lastFailure;
    private string _circuit = Closed;

    /// <param name="upstream">The upstream's name, for messages.</param>
    /// <param name="retries">The retries; <see langword="null"/> for none.</param>
    /// <param name="breaker">The circuit breaker; <see langword="null"/> for none.</param>
    /// <param name="time">The clock of delays and the breaker's windows.</param>
    /// <param name="circuitChanged">Hears each change of the circuit: from, to, and the failure that opened it.</param>
    public UpstreamResilience(string upstream, UpstreamRetrySettings? retries, UpstreamCircuitBreakerSettings? breaker, TimeProvider time, Action<string, string, string?>? circuitChanged)
    {
        _upstream = upstream;
        _circuitChanged = circuitChanged;
        Retries = retries;
        CircuitBreaker = breaker;
        var builder = new ResiliencePipelineBuilder<JsonNode> { TimeProvider = time };
        if (retries is not null)
        {
            builder.AddRetry(new RetryStrategyOptions<JsonNode>
            {
                MaxRetryAttempts = retries.MaxAttempts,
                Delay = retries.Backoff,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                // An answer too large to read would be as large again.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && e.InnerException is not UpstreamMessageTooLargeException
                    && (NotReached(e) || (args.Context.Properties.GetValue(RepeatableKey, false) && Failure(e)))),
            });
        }

        if (breaker is not null)
        {
            _state = new CircuitBreakerStateProvider();
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<JsonNode>
            {
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = breaker.MinCalls,
                SamplingDuration = breaker.Sampling,
                BreakDuration = breaker.Break,
                StateProvider = _state,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && Failure(e)),
                OnOpened = args =>
                {
                    _lastFailure = args.Outcome.Exception?.Message;
                    Changed(Open, _lastFailure);
                    return default;
                },
                OnHalfOpened = _ =>
                {
                    Changed(HalfOpen, null);
                    return default;
                },
                OnClosed = _ =>
                {
                    Changed(Closed, null);
                    return default;
                },
            });
        }

        _pipeline = builder.Build();
    }

    private void Changed(string to, string? error)
    {
        var from = Interlocked.Exchange(ref _circuit, to);
        if (from != to)
        {
            _circuitChanged?.Invoke(from, to, error);
        }
    }

    public UpstreamRetrySettings? Retries { get; }

    public UpstreamCircuitBreakerSettings? CircuitBreaker { get; }

    /// <summary>The circuit's state (<c>closed</c>, <c>open</c>, <c>half_open</c>); <see langword="null"/> without a breaker.</summary>
    public string? CircuitState => _state?.CircuitState switch
    {
        null => null,
        Polly.CircuitBreaker.CircuitState.Open or Polly.CircuitBreaker.CircuitState.Isolated => Open,
        Polly.CircuitBreaker.CircuitState.HalfOpen => HalfOpen,
        _ => Closed,
    };

    /// <summary>Runs <paramref name="call"/> with the retries and the circuit breaker.</summary>
    /// <param name="call">One attempt.</param>
    /// <param name="repeatable">Whether the tool may be called again after an attempt that may have reached the upstream (read-only or idempotent).</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    public async Task<JsonNode> ExecuteAsync(Func<CancellationToken, Task<JsonNode>> call, bool repeatable, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(RepeatableKey, repeatable);
        try
        {
            return await _pipeline.ExecuteAsync(static async (ctx, call) => await call(ctx.CancellationToken).ConfigureAwait(false), context, call).ConfigureAwait(false);
        }
        catch (BrokenCircuitException e)
        {
            var retryAfter = e.RetryAfter is { } after ? $" for about {Math.Max(1, Math.Ceiling(after.TotalSeconds)):0} s more" : "";
            throw new UpstreamUnavailableException(
                $"upstream '{_upstream}' is not called: its circuit breaker is open after repeated failures{(_lastFailure is { } last ? $" (last: {last})" : "")}; calls are refused{retryAfter}", e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Whether the call certainly did not reach the upstream, so that it can be made again whatever the tool does.</summary>
    internal static bool NotReached(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is UpstreamUnavailableException { InnerException: null or HttpRequestException }
                || x is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the call failed because of the upstream or the way to it, not because of what it answered.</summary>
    internal static bool Failure(Exception e) => e switch
    {
        BrokenCircuitException or OperationCanceledException => false,
        TimeoutException or UpstreamUnavailableException => true,
        { InnerException: McpProtocolException } => false,
        { InnerException: IOException or HttpRequestException or ObjectDisposedException or McpException } => true,
        IOException or HttpRequestException => true,
        _ => false,
    };
}
