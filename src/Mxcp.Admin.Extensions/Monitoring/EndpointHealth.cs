using System.Text.Json.Nodes;
using Mxcp.Runtime.Execution;

namespace Mxcp.Admin.Monitoring;

/// <summary>
/// The health of one endpoint as its calls show it: the last success, the last error, the failures in a row, the state
/// (<c>unknown</c>, <c>healthy</c>, <c>degraded</c>, <c>unhealthy</c>, or <c>disabled</c> while an operator has switched
/// it off) and a bounded history of state transitions. Only failures of the endpoint itself count (execution and output
/// errors); refused arguments, policy denials and cancelled calls say nothing about its health. Also keeps the
/// latencies of the most recent calls for the console's chart.
/// </summary>
internal sealed class EndpointHealth
{
    /// <summary>Failures in a row from which an endpoint is <c>unhealthy</c> (fewer make it <c>degraded</c>).</summary>
    public const int UnhealthyAfter = 3;

    /// <summary>Transitions kept per endpoint; older ones are dropped.</summary>
    public const int HistoryCapacity = 100;

    /// <summary>Latencies of recent calls kept per endpoint.</summary>
    public const int RecentCapacity = 120;

    private readonly Lock _gate = new();
    private readonly Transition[] _history = new Transition[HistoryCapacity];
    private readonly (DateTimeOffset At, double Milliseconds, bool Failed)[] _recent = new (DateTimeOffset, double, bool)[RecentCapacity];
    private int _historyCount;
    private int _historyNext;
    private long _transitionsTotal;
    private int _recentCount;
    private int _recentNext;
    private string _callState = "unknown";
    private bool _disabled;
    private int _consecutiveFailures;
    private DateTimeOffset? _lastSuccess;
    private DateTimeOffset? _lastError;
    private string? _lastErrorMessage;

    /// <summary>The state shown: <c>disabled</c> while switched off, otherwise what the calls say.</summary>
    public string State
    {
        get
        {
            lock (_gate)
            {
                return _disabled ? "disabled" : _callState;
            }
        }
    }

    public void Record(EndpointCallResult result, DateTimeOffset now)
    {
        var failed = result.ErrorKind is EndpointErrorKind.ExecutionFailed or EndpointErrorKind.InvalidOutput;
        var counts = failed || result.Succeeded;
        lock (_gate)
        {
            _recent[_recentNext] = (now, result.Duration.TotalMilliseconds, !result.Succeeded);
            _recentNext = (_recentNext + 1) % RecentCapacity;
            _recentCount = Math.Min(_recentCount + 1, RecentCapacity);
            if (!counts)
            {
                return;
            }

            var before = _disabled ? "disabled" : _callState;
            if (failed)
            {
                _consecutiveFailures++;
                _lastError = now;
                _lastErrorMessage = result.Error;
                _callState = _consecutiveFailures >= UnhealthyAfter ? "unhealthy" : "degraded";
            }
            else
            {
                _consecutiveFailures = 0;
                _lastSuccess = now;
                _callState = "healthy";
            }

            var after = _disabled ? "disabled" : _callState;
            if (before != after)
            {
                Add(new Transition(now, before, after, failed ? $"{_consecutiveFailures} failure(s) in a row: {result.Error}" : "call succeeded"));
            }
        }
    }

    /// <summary>An operator disabled or enabled the endpoint.</summary>
    public void SetDisabled(bool disabled, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_disabled == disabled)
            {
                return;
            }

            var before = _disabled ? "disabled" : _callState;
            _disabled = disabled;
            Add(new Transition(now, before, disabled ? "disabled" : _callState, disabled ? "disabled by an operator" : "enabled by an operator"));
        }
    }

    private void Add(Transition transition)
    {
        _history[_historyNext] = transition;
        _historyNext = (_historyNext + 1) % HistoryCapacity;
        _historyCount = Math.Min(_historyCount + 1, HistoryCapacity);
        _transitionsTotal++;
    }

    /// <summary><c>GET /endpoints/{type}/{name}/health</c>.</summary>
    public JsonObject ToJson()
    {
        lock (_gate)
        {
            return new JsonObject
            {
                ["state"] = _disabled ? "disabled" : _callState,
                ["last_success"] = _lastSuccess?.ToString("O"),
                ["last_error"] = _lastError?.ToString("O"),
                ["last_error_message"] = _lastErrorMessage,
                ["consecutive_failures"] = _consecutiveFailures,
                ["transitions_total"] = _transitionsTotal,
            };
        }
    }

    /// <summary>The transitions, oldest first (at most <see cref="HistoryCapacity"/>).</summary>
    public IReadOnlyList<Transition> History()
    {
        lock (_gate)
        {
            var list = new List<Transition>(_historyCount);
            var start = (_historyNext - _historyCount + HistoryCapacity) % HistoryCapacity;
            for (var i = 0; i < _historyCount; i++)
            {
                list.Add(_history[(start + i) % HistoryCapacity]);
            }

            return list;
        }
    }

    /// <summary>The latencies of the most recent calls, oldest first.</summary>
    public IReadOnlyList<(DateTimeOffset At, double Milliseconds, bool Failed)> Recent()
    {
        lock (_gate)
        {
            var list = new List<(DateTimeOffset, double, bool)>(_recentCount);
            var start = (_recentNext - _recentCount + RecentCapacity) % RecentCapacity;
            for (var i = 0; i < _recentCount; i++)
            {
                list.Add(_recent[(start + i) % RecentCapacity]);
            }

            return list;
        }
    }

    /// <summary>One change of state.</summary>
    public sealed record Transition(DateTimeOffset At, string From, string To, string Reason)
    {
        public JsonObject ToJson() => new() { ["timestamp"] = At.ToString("O"), ["from"] = From, ["to"] = To, ["reason"] = Reason };
    }
}
