using System.Diagnostics.Metrics;
using Mxcp.Abstractions;

namespace Mxcp.Authentication.Bearer;

/// <summary>
/// The authentication instruments, on the process-wide <c>mxcp</c> meter (<see cref="MxcpTelemetry"/>) so that the host
/// exports them with its own: <c>mxcp.auth.attempts_total</c> counts the bearer tokens presented to the MCP endpoint,
/// by <c>provider</c>, <c>mode</c> and <c>status</c> (<c>success</c>, <c>invalid</c> for a token its validator
/// refused, <c>malformed</c> for a header that is no bearer token). Requests without a token are not attempts.
/// <c>mxcp.auth.active_sessions</c> is the number of sessions users are signed in with in the issuer's token store
/// (shared by replicas that share the store, so each replica reports the same number), by <c>provider</c>, as last
/// counted (at start and every <see cref="ActiveSessionsInterval"/>).
/// </summary>
internal static class AuthTelemetry
{
    public const string Success = "success";

    public const string Invalid = "invalid";

    public const string Malformed = "malformed";

    private static readonly Meter Meter = new(MxcpTelemetry.MeterName);

    private static readonly Counter<long> Attempts = Meter.CreateCounter<long>("mxcp.auth.attempts_total", "{attempt}", "Bearer tokens presented, by provider, mode and status");

    /// <summary>How often the token store's active sessions are counted.</summary>
    public static readonly TimeSpan ActiveSessionsInterval = TimeSpan.FromSeconds(30);

    private static readonly List<ActiveSessions> Stores = [];

    private static readonly ObservableGauge<long> ActiveSessionsGauge = Meter.CreateObservableGauge(
        "mxcp.auth.active_sessions", ObserveActiveSessions, "{session}", "Sessions users are signed in with in the token store, by provider");

    /// <summary>Reports <paramref name="sessions"/> under the gauge until it is disposed.</summary>
    public static IDisposable Register(ActiveSessions sessions)
    {
        lock (Stores)
        {
            Stores.Add(sessions);
        }

        return new Registration(sessions);
    }

    private static IEnumerable<Measurement<long>> ObserveActiveSessions()
    {
        lock (Stores)
        {
            return [.. Stores.Where(s => s.Count >= 0).Select(s => new Measurement<long>(s.Count, new KeyValuePair<string, object?>("provider", s.Provider)))];
        }
    }

    public static void Attempted(string? provider, string? mode, string status)
    {
        if (Attempts.Enabled)
        {
            Attempts.Add(1, new KeyValuePair<string, object?>("provider", provider ?? "none"), new KeyValuePair<string, object?>("mode", mode ?? "none"), new KeyValuePair<string, object?>("status", status));
        }
    }

    /// <summary>The last count of one token store's active sessions (-1 until it was counted).</summary>
    internal sealed class ActiveSessions(string provider)
    {
        private long _count = -1;

        public string Provider => provider;

        public long Count
        {
            get => Interlocked.Read(ref _count);
            set => Interlocked.Exchange(ref _count, value);
        }
    }

    private sealed class Registration(ActiveSessions sessions) : IDisposable
    {
        public void Dispose()
        {
            lock (Stores)
            {
                Stores.Remove(sessions);
            }
        }
    }
}
