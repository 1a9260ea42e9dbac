namespace Mxcp.Runtime.Reload;

/// <summary>A call waited for a draining reload longer than <see cref="ProjectSnapshotProvider.DrainWaitTimeout"/>.</summary>
internal sealed class ReloadInProgressException()
    : Exception("Service is reloading and taking longer than expected. Please retry in a few seconds.");
