using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Mxcp.Runtime.Execution;

/// <summary>The activity source and meter of Mxcp (named <c>mxcp</c>, as the reference's tracer).</summary>
internal static class MxcpDiagnostics
{
    public const string Name = "mxcp";

    public static readonly ActivitySource ActivitySource = new(Name, typeof(MxcpDiagnostics).Assembly.GetName().Version?.ToString());

    public static readonly Meter Meter = new(Name, typeof(MxcpDiagnostics).Assembly.GetName().Version?.ToString());
}
