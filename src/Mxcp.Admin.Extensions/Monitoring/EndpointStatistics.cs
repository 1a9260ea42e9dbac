using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Execution;

namespace Mxcp.Admin.Monitoring;

/// <summary>
/// Calls, errors, denials, calls in progress, latency percentiles and health per endpoint since start
/// (<c>GET /stats</c>, <c>GET /endpoints/{type}/{name}</c>). Entries exist for endpoints that were called or switched
/// off, so they are bounded by the endpoints the project has had.
/// </summary>
internal sealed class EndpointStatistics : IEndpointCallObserver, IDisposable
{
    private readonly ConcurrentDictionary<(string Type, string Name), Entry> _entries = new();
    private readonly EndpointAvailability _availability;
    private readonly Lock _availabilityGate = new();
    private HashSet<string> _disabled = new(StringComparer.Ordinal);

    public EndpointStatistics(EndpointAvailability availability)
    {
        _availability = availability;
        availability.Changed += OnAvailabilityChanged;
    }

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
        entry.Health.Record(result, DateTimeOffset.UtcNow);
    }

    /// <summary>The entry of an endpoint, if it was ever called or switched off.</summary>
    public Entry? Find(string type, string name) => _entries.GetValueOrDefault((type, name));

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
            var item = new JsonObject { ["type"] = type, ["name"] = name };
            foreach (var (key, value) in entry.CountsJson())
            {
                item[key] = value?.DeepClone();
            }

            endpoints.Add(item);
        }

        return new JsonObject
        {
            ["since"] = Since.ToString("O"),
            ["uptime_seconds"] = (long)(DateTimeOffset.UtcNow - Since).TotalSeconds,
            ["totals"] = new JsonObject { ["calls"] = calls, ["errors"] = errors, ["denials"] = denials, ["active_calls"] = active },
            ["endpoints"] = endpoints,
        };
    }

    /// <summary>Counts and percentiles of an endpoint that has no entry yet: zeros and nulls.</summary>
    public static JsonObject EmptyCountsJson() => new Entry().CountsJson();

    private Entry Get(EndpointCall call) => _entries.GetOrAdd((EndpointMetrics.Type(call), EndpointMetrics.Name(call)), _ => new Entry());

    private void OnAvailabilityChanged()
    {
        lock (_availabilityGate)
        {
            var now = DateTimeOffset.UtcNow;
            var current = _availability.Disabled.ToHashSet(StringComparer.Ordinal);
            foreach (var key in current.Except(_disabled))
            {
                EntryOf(key)?.Health.SetDisabled(true, now);
            }

            foreach (var key in _disabled.Except(current))
            {
                EntryOf(key)?.Health.SetDisabled(false, now);
            }

            _disabled = current;
        }
    }

    /// <summary>The entry of an availability key (<c>tool/name</c>, <c>resource/uri</c>), created if needed.</summary>
    private Entry? EntryOf(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash <= 0 ? null : _entries.GetOrAdd((key[..slash], key[(slash + 1)..]), _ => new Entry());
    }

    public void Dispose() => _availability.Changed -= OnAvailabilityChanged;

    internal sealed class Entry
    {
        public long Calls;
        public long Errors;
        public long Denials;
        public long Active;
        public readonly LatencyHistogram Latency = new();
        public readonly EndpointHealth Health = new();

        public JsonObject CountsJson() => new()
        {
            ["calls"] = Interlocked.Read(ref Calls),
            ["errors"] = Interlocked.Read(ref Errors),
            ["denials"] = Interlocked.Read(ref Denials),
            ["active_calls"] = Interlocked.Read(ref Active),
            ["latency_ms"] = new JsonObject
            {
                ["p50"] = Latency.Percentile(0.50),
                ["p95"] = Latency.Percentile(0.95),
                ["p99"] = Latency.Percentile(0.99),
                ["max"] = Latency.Count == 0 ? null : Math.Round(Latency.MaxMilliseconds, 3),
            },
        };
    }
}
