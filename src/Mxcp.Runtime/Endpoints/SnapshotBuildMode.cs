namespace Mxcp.Runtime.Endpoints;

internal enum SnapshotBuildMode
{
    /// <summary>Read configuration and endpoint files only: no executors, no source checks (<c>mxcp list</c>).</summary>
    DiscoveryOnly,

    /// <summary>
    /// Start the SQL database (with the plugins' SQL functions, see <see cref="Abstractions.ProjectRuntimeContext.SqlFunctionsOnly"/>);
    /// endpoints are listed but not prepared (<c>mxcp query</c>, <c>mxcp init</c>).
    /// </summary>
    DatabaseOnly,

    /// <summary>Start the executors and check every endpoint against them (serve, run, test).</summary>
    Full,

    /// <summary>
    /// Check every endpoint as <see cref="Full"/> does, but start only the SQL database (with the plugins' SQL functions,
    /// so that SQL calling them prepares; see <see cref="Abstractions.ProjectRuntimeContext.SqlFunctionsOnly"/>): endpoints of other languages
    /// (Python) are checked for a plugin and their source file, without importing the project's code, so that a machine
    /// without the project's Python dependencies can validate it (<c>mxcp validate</c>). Nothing is prepared to serve.
    /// </summary>
    Validate,
}
