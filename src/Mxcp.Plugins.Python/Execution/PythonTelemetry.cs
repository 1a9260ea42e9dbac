using System.Diagnostics;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.Python.Execution;

/// <summary>
/// The span of a Python call (<c>mxcp.python.execute</c>), on the process-wide <c>mxcp</c> source
/// (<see cref="MxcpTelemetry"/>) so that the host exports it with its own: what ran, never its arguments or result.
/// </summary>
internal static class PythonTelemetry
{
    private static readonly ActivitySource Source = new(MxcpTelemetry.ActivitySourceName);

    public static Activity? Started(EndpointDefinition endpoint, int parameterCount)
    {
        var activity = Source.StartActivity("mxcp.python.execute");
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("mxcp.python.type", endpoint.Kind == EndpointKind.Tool ? "tool" : "resource");
            activity.SetTag("mxcp.python.name", endpoint.Kind == EndpointKind.Tool ? endpoint.Name : endpoint.Uri);
            activity.SetTag("mxcp.python.params.count", parameterCount);
        }

        return activity;
    }

    /// <summary>Marks the span failed; always <see langword="false"/>, so that it can observe from an exception filter.</summary>
    public static bool Failed(Activity? activity, Exception error)
    {
        if (activity is not null)
        {
            activity.SetTag("error.type", error is Protocol.PythonErrorException { PythonType: { } type } ? type : error.GetType().FullName);
            activity.SetStatus(ActivityStatusCode.Error, error is OperationCanceledException ? "cancelled" : "python call failed");
        }

        return false;
    }
}
