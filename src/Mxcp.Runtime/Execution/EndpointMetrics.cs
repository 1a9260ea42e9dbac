using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Mxcp.Runtime.Execution;

/// <summary>
/// The endpoint instruments of the <c>mxcp</c> meter (the Python MXCP's names): requests, errors, durations and calls in
/// progress. OpenTelemetry exporters and the admin API's Prometheus endpoint read the same instruments.
/// </summary>
internal sealed class EndpointMetrics(MxcpMeter meter) : IEndpointCallObserver
{
    private readonly Counter<long> _requests = meter.Meter.CreateCounter<long>("mxcp.endpoint.requests_total", description: "Endpoint calls");
    private readonly Counter<long> _errors = meter.Meter.CreateCounter<long>("mxcp.endpoint.errors_total", description: "Endpoint calls that failed");
    private readonly Histogram<double> _duration = meter.Meter.CreateHistogram<double>("mxcp.endpoint.duration", unit: "ms", description: "Endpoint call duration");
    private readonly UpDownCounter<long> _active = meter.Meter.CreateUpDownCounter<long>("mxcp.endpoint.concurrent_executions", description: "Endpoint calls in progress");

    public void OnCallStarted(EndpointCall call) =>
        _active.Add(1, new KeyValuePair<string, object?>("type", Type(call)));

    public void OnCallCompleted(EndpointCall call, EndpointCallResult result)
    {
        var type = Type(call);
        var endpoint = Name(call);
        _active.Add(-1, new KeyValuePair<string, object?>("type", type));
        var tags = new TagList
        {
            { "endpoint", endpoint },
            { "type", type },
            { "status", result.Succeeded ? "success" : "error" },
            { "caller", call.Context.Transport },
            { "policy_decision", result.Policy.Decision ?? "none" },
        };
        _requests.Add(1, tags);
        _duration.Record(result.Duration.TotalMilliseconds, new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("type", type));
        if (!result.Succeeded)
        {
            _errors.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("type", type),
                new KeyValuePair<string, object?>("error_type", ErrorType(result.ErrorKind)));
        }
    }

    public static string Type(EndpointCall call) => call.Endpoint.Definition.Kind.ToString().ToLowerInvariant();

    public static string Name(EndpointCall call) => call.Endpoint.Definition.Uri ?? call.Endpoint.Definition.Name;

    private static string ErrorType(EndpointErrorKind kind) => kind switch
    {
        EndpointErrorKind.InvalidArguments => "invalid_arguments",
        EndpointErrorKind.PolicyDenied => "policy_denied",
        EndpointErrorKind.InvalidOutput => "invalid_output",
        EndpointErrorKind.Cancelled => "cancelled",
        _ => "execution_failed",
    };
}
