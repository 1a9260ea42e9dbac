namespace Mxcp.Runtime.Configuration;

/// <summary>No <c>mxcp-site.yml</c> in the folder or any parent.</summary>
internal sealed class ProjectNotFoundException(string startDirectory)
    : Exception($"No mxcp-site.yml found in {startDirectory} or its parents. Run 'mxcp init' to create a project, or cd into one.")
{
    public string StartDirectory { get; } = startDirectory;
}
