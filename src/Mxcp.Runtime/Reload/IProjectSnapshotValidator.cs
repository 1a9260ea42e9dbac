using Mxcp.Runtime.Endpoints;

namespace Mxcp.Runtime.Reload;

/// <summary>
/// Checks a candidate project before it replaces the served one (the first load and every reload). An error refuses
/// the load as an endpoint file error would: start-up fails, a reload keeps the last good project.
/// </summary>
internal interface IProjectSnapshotValidator
{
    /// <summary>Why <paramref name="candidate"/> must not be served, or <see langword="null"/> when it may.</summary>
    /// <param name="candidate">The candidate; a discovery-only snapshot (endpoint files, no executors) before a reload drains.</param>
    string? Validate(ProjectSnapshot candidate);
}
