namespace Mxcp.Runtime.Endpoints;

internal enum SnapshotBuildMode
{
    /// <summary>Read configuration and endpoint files only: no executors, no source checks (<c>mxcp list</c>).</summary>
    DiscoveryOnly,

    /// <summary>Start the SQL database only; endpoints are listed but not prepared (<c>mxcp query</c>, <c>mxcp init</c>).</summary>
    DatabaseOnly,

    /// <summary>Start the executors and check every endpoint against them (serve, run, validate).</summary>
    Full,
}
