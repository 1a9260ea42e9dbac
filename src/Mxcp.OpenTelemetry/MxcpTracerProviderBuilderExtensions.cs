using Mxcp.Abstractions;

namespace OpenTelemetry.Trace;

/// <summary>
/// Adds Mxcp's spans to a host's own OpenTelemetry tracer provider
/// (<c>services.AddOpenTelemetry().WithTracing(t =&gt; t.AddMxcpInstrumentation())</c>), for hosts that set
/// OpenTelemetry up themselves instead of calling <c>AddOpenTelemetry()</c> on the Mxcp builder. Use one or the other.
/// </summary>
public static class MxcpTracerProviderBuilderExtensions
{
    /// <summary>The MCP SDK's activity source: its server span carries a caller's <c>_meta.traceparent</c>.</summary>
    internal const string McpSdkSource = "Experimental.ModelContextProtocol";

    /// <summary>
    /// Adds the <c>mxcp</c> activity source (<see cref="MxcpTelemetry.ActivitySourceName"/>: the call spans and the
    /// plugins' DuckDB and Python spans) and the MCP SDK's, whose server span takes the trace context a client sends in
    /// <c>_meta.traceparent</c>.
    /// </summary>
    /// <param name="builder">The tracer provider builder.</param>
    /// <returns>The builder.</returns>
    public static TracerProviderBuilder AddMxcpInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(MxcpTelemetry.ActivitySourceName, McpSdkSource);
    }
}
