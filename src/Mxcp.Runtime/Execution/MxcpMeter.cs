using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Execution;

/// <summary>
/// The <c>mxcp</c> meter of one host: created through the host's <see cref="IMeterFactory"/> when it has one, so two
/// hosts in a process (tests, a server embedding two projects) count their calls apart while OpenTelemetry still
/// finds both by the meter name. Without a factory it is the process-wide <see cref="MxcpDiagnostics.Meter"/>.
/// </summary>
/// <remarks>
/// Features of the host add their instruments here (<c>meter.Meter.CreateCounter(...)</c>, names starting with
/// <c>mxcp.</c>, durations with <see cref="MxcpDiagnostics.CreateDurationHistogram"/>); OTLP export and the Prometheus
/// text of <c>/metrics</c> pick them up without further registration. Plugins, which cannot see this type, use a
/// process-wide <c>Meter</c> named <see cref="MxcpTelemetry.MeterName"/>, which every host includes too.
/// </remarks>
internal sealed class MxcpMeter(IServiceProvider services)
{
    public Meter Meter { get; } = services.GetService<IMeterFactory>()?.Create(new MeterOptions(MxcpDiagnostics.Name)
    {
        Version = MxcpDiagnostics.Meter.Version,
    }) ?? MxcpDiagnostics.Meter;

    /// <summary>
    /// Whether an instrument belongs to this host: its own meter, or a process-wide <c>mxcp</c> meter (the runtime's audit
    /// instruments, the plugins'). Another host's meter (created by another <see cref="IMeterFactory"/>) does not.
    /// </summary>
    public bool Includes(Instrument instrument) =>
        ReferenceEquals(instrument.Meter, Meter)
        || (instrument.Meter.Name == MxcpTelemetry.MeterName && instrument.Meter.Scope is null);
}
