using Mxcp.Abstractions;

namespace OpenTelemetry.Metrics;

/// <summary>
/// Adds Mxcp's metrics to a host's own OpenTelemetry meter provider
/// (<c>services.AddOpenTelemetry().WithMetrics(m =&gt; m.AddMxcpInstrumentation())</c>), for hosts that set
/// OpenTelemetry up themselves instead of calling <c>AddOpenTelemetry()</c> on the Mxcp builder. Use one or the other.
/// </summary>
public static class MxcpMeterProviderBuilderExtensions
{
    /// <summary>
    /// Adds the <c>mxcp</c> meter (<see cref="MxcpTelemetry.MeterName"/>): calls, errors, durations, reloads, audit,
    /// DuckDB and telemetry export.
    /// </summary>
    /// <param name="builder">The meter provider builder.</param>
    /// <returns>The builder.</returns>
    public static MeterProviderBuilder AddMxcpInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(MxcpTelemetry.MeterName);
    }
}
