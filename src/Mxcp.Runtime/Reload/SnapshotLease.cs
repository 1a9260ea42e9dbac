using Mxcp.Runtime.Endpoints;

namespace Mxcp.Runtime.Reload;

/// <summary>Holds a snapshot for the duration of a call, so that a reload cannot dispose it underneath.</summary>
internal readonly struct SnapshotLease(ProjectSnapshot snapshot) : IDisposable
{
    public ProjectSnapshot Snapshot { get; } = snapshot;

    public void Dispose() => Snapshot.Release();
}
