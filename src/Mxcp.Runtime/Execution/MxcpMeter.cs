using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Mxcp.Runtime.Execution;

/// <summary>
/// The <c>mxcp</c> meter of one host: created through the host's <see cref="IMeterFactory"/> when it has one, so two
/// hosts in a process (tests, a server embedding two projects) count their calls apart while OpenTelemetry still
/// finds both by the meter name. Without a factory it is the process-wide <see cref="MxcpDiagnostics.Meter"/>.
/// </summary>
internal sealed class MxcpMeter(IServiceProvider services)
{
    public Meter Meter { get; } = services.GetService<IMeterFactory>()?.Create(new MeterOptions(MxcpDiagnostics.Name)
    {
        Version = MxcpDiagnostics.Meter.Version,
    }) ?? MxcpDiagnostics.Meter;

    /// <summary>Whether an instrument belongs to this host: its own meter, or a process-wide <c>mxcp</c> instrument.</summary>
    public bool Includes(Instrument instrument) =>
        ReferenceEquals(instrument.Meter, Meter) || ReferenceEquals(instrument.Meter, MxcpDiagnostics.Meter);
}
