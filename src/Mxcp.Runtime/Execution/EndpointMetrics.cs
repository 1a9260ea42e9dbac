using System.Diagnostics;
using System.Diagnostics.Metrics;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Execution;

/// <summary>
/// The endpoint instruments of the <c>mxcp</c> meter (the Python MXCP's names): requests, errors, durations in seconds
/// and calls in progress. OpenTelemetry exporters and the Prometheus text of <c>/metrics</c> read the same instruments
/// (there as <c>mxcp_endpoint_requests_total</c>, <c>mxcp_endpoint_errors_total</c>,
/// <c>mxcp_endpoint_duration_seconds</c>, <c>mxcp_endpoint_concurrent_executions</c>).
/// </summary>
internal sealed class EndpointMetrics(MxcpMeter meter) : IEndpointCallObserver
{
    private readonly Counter<long> _requests = meter.Meter.CreateCounter<long>("mxcp.endpoint.requests_total", "{call}", "Endpoint calls");
    private readonly Counter<long> _errors = meter.Meter.CreateCounter<long>("mxcp.endpoint.errors_total", "{call}", "Endpoint calls that failed");
    private readonly Histogram<double> _duration = meter.Meter.CreateDurationHistogram("mxcp.endpoint.duration", "Endpoint call duration");
    private readonly UpDownCounter<long> _active = meter.Meter.CreateUpDownCounter<long>("mxcp.endpoint.concurrent_executions", "{call}", "Endpoint calls in progress");

    public void OnCallStarted(EndpointCall call) =>
        _active.Add(1, new KeyValuePair<string, object?>("endpoint", Name(call)), new KeyValuePair<string, object?>("type", Type(call)));

    public void OnCallCompleted(EndpointCall call, EndpointCallResult result)
    {
        var type = Type(call);
        var endpoint = Name(call);
        _active.Add(-1, new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("type", type));
        var tags = new TagList
        {
            { "endpoint", endpoint },
            { "type", type },
            { "status", Status(result) },
            { "caller", call.Context.Transport },
            { "policy_decision", result.Policy.Decision ?? "none" },
        };
        _requests.Add(1, tags);
        _duration.Record(result.Duration.TotalSeconds, new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("type", type));
        if (!result.Succeeded)
        {
            _errors.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("type", type),
                new KeyValuePair<string, object?>("caller", call.Context.Transport), new KeyValuePair<string, object?>("error_type", ErrorType(result.ErrorKind)));
        }
    }

    public static string Type(EndpointCall call) => call.Endpoint.Definition.Kind switch
    {
        EndpointKind.Tool => "tool",
        EndpointKind.Resource => "resource",
        EndpointKind.Prompt => "prompt",
        var kind => kind.ToString().ToLowerInvariant(),
    };

    public static string Name(EndpointCall call) => call.Endpoint.Definition.Uri ?? call.Endpoint.Definition.Name;

    /// <summary><c>success</c>, <c>error</c> or <c>cancelled</c>.</summary>
    public static string Status(EndpointCallResult result) =>
        result.Succeeded ? "success" : result.ErrorKind == EndpointErrorKind.Cancelled ? "cancelled" : "error";

    public static string ErrorType(EndpointErrorKind kind) => kind switch
    {
        EndpointErrorKind.None => "none",
        EndpointErrorKind.InvalidArguments => "invalid_arguments",
        EndpointErrorKind.PolicyDenied => "policy_denied",
        EndpointErrorKind.InvalidOutput => "invalid_output",
        EndpointErrorKind.Cancelled => "cancelled",
        _ => "execution_failed",
    };
}
