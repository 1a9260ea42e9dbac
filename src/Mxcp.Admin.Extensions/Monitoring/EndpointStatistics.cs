using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Mxcp.Runtime.Execution;

namespace Mxcp.Admin.Monitoring;

/// <summary>Calls, errors, denials, calls in progress and latency percentiles per endpoint since start (<c>GET /stats</c>).</summary>
internal sealed class EndpointStatistics : IEndpointCallObserver
{
    private readonly ConcurrentDictionary<(string Type, string Name), Entry> _entries = new();

    public DateTimeOffset Since { get; } = DateTimeOffset.UtcNow;

    public void OnCallStarted(EndpointCall call) => Interlocked.Increment(ref Get(call).Active);

    public void OnCallCompleted(EndpointCall call, EndpointCallResult result)
    {
        var entry = Get(call);
        Interlocked.Decrement(ref entry.Active);
        Interlocked.Increment(ref entry.Calls);
        if (!result.Succeeded)
        {
            Interlocked.Increment(ref entry.Errors);
        }

        if (result.ErrorKind == EndpointErrorKind.PolicyDenied)
        {
            Interlocked.Increment(ref entry.Denials);
        }

        entry.Latency.Record(result.Duration.TotalMilliseconds);
    }

    public JsonObject ToJson()
    {
        long calls = 0, errors = 0, denials = 0, active = 0;
        var endpoints = new JsonArray();
        foreach (var ((type, name), entry) in _entries.OrderBy(e => e.Key.Type, StringComparer.Ordinal).ThenBy(e => e.Key.Name, StringComparer.Ordinal))
        {
            calls += entry.Calls;
            errors += entry.Errors;
            denials += entry.Denials;
            active += entry.Active;
            endpoints.Add(new JsonObject
            {
                ["type"] = type,
                ["name"] = name,
                ["calls"] = entry.Calls,
                ["errors"] = entry.Errors,
                ["denials"] = entry.Denials,
                ["active_calls"] = entry.Active,
                ["latency_ms"] = new JsonObject
                {
                    ["p50"] = entry.Latency.Percentile(0.50),
                    ["p95"] = entry.Latency.Percentile(0.95),
                    ["p99"] = entry.Latency.Percentile(0.99),
                    ["max"] = entry.Latency.Count == 0 ? null : Math.Round(entry.Latency.MaxMilliseconds, 3),
                },
            });
        }

        return new JsonObject
        {
            ["since"] = Since.ToString("O"),
            ["uptime_seconds"] = (long)(DateTimeOffset.UtcNow - Since).TotalSeconds,
            ["totals"] = new JsonObject { ["calls"] = calls, ["errors"] = errors, ["denials"] = denials, ["active_calls"] = active },
            ["endpoints"] = endpoints,
        };
    }

    private Entry Get(EndpointCall call) => _entries.GetOrAdd((EndpointMetrics.Type(call), EndpointMetrics.Name(call)), _ => new Entry());

    private sealed class Entry
    {
        public long Calls;
        public long Errors;
        public long Denials;
        public long Active;
        public readonly LatencyHistogram Latency = new();
    }
}
