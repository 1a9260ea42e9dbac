namespace Mxcp.Runtime.Reload;

/// <summary>How a reload of the project ended.</summary>
internal enum ReloadStatus
{
    /// <summary>The reloaded project is serving.</summary>
    Success,

    /// <summary>The reload failed; the previous project was kept or restored.</summary>
    Error,
}
