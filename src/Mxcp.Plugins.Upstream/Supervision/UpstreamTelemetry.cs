using System.Diagnostics;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.Upstream.Supervision;

/// <summary>
/// The client spans of upstream calls, on Mxcp's <c>ActivitySource</c> (<see cref="MxcpTelemetry.ActivitySourceName"/>),
/// so that they are exported with Mxcp's own, and the W3C trace context they hand to the upstream.
/// </summary>
internal static class UpstreamTelemetry
{
    public static ActivitySource Source { get; } = new(MxcpTelemetry.ActivitySourceName);

    /// <summary>
    /// The <c>_meta</c> of a request carrying the trace context of <paramref name="activity"/> (<c>traceparent</c>, and
    /// <c>tracestate</c> when there is one), as MCP servers read it; <see langword="null"/> without an activity.
    /// </summary>
    public static JsonObject? TraceMeta(Activity? activity)
    {
        if (activity is null)
        {
            return null;
        }

        var meta = new JsonObject();
        DistributedContextPropagator.Current.Inject(activity, meta, static (carrier, key, value) =>
        {
            if (carrier is JsonObject o && (key is "traceparent" or "tracestate"))
            {
                o[key] = value;
            }
        });
        return meta.Count > 0 ? meta : null;
    }
}
