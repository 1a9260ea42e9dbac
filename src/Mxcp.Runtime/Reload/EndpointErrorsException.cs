using Mxcp.Runtime.Endpoints;

namespace Mxcp.Runtime.Reload;

/// <summary>Start-up refused because endpoint files have errors (see <see cref="MxcpOptions.IgnoreErrors"/>).</summary>
internal sealed class EndpointErrorsException(IReadOnlyList<EndpointProblem> problems)
    : Exception($"Found {problems.Count} endpoint(s) with errors:{Environment.NewLine}" +
                string.Join(Environment.NewLine, problems.Select(p => "  " + p.Message)) + Environment.NewLine +
                "Fix them, or start with --ignore-errors to serve the valid endpoints.")
{
    public IReadOnlyList<EndpointProblem> Problems { get; } = problems;
}
