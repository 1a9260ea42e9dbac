using Mxcp.Runtime.Endpoints;

namespace Mxcp.Runtime.Reload;

/// <summary>
/// Told what happens to the served project, in order: a reload starts, a new snapshot becomes current (the first load
/// and every successful reload), a reload ends. Every registration in the service collection is called. A listener that
/// throws is logged and skipped: it never fails, stops or delays a reload.
/// </summary>
internal interface IProjectSnapshotListener
{
    /// <summary>A reload is starting; <paramref name="description"/> says why (SIGHUP, admin reload, file change, ...).</summary>
    void OnReloadStarting(string description)
    {
    }

    /// <summary>A new snapshot is current; calls from now on run on it.</summary>
    void OnSnapshotChanged(ProjectSnapshot snapshot)
    {
    }

    /// <summary>A reload ended with <paramref name="status"/>; <paramref name="error"/> says why when it failed.</summary>
    void OnReloadCompleted(ReloadStatus status, string? error)
    {
    }
}
