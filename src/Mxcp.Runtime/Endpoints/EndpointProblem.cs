namespace Mxcp.Runtime.Endpoints;

/// <summary>An endpoint file that cannot be served, and why. <see cref="Message"/> starts with the file's path.</summary>
internal sealed record EndpointProblem(string Path, string Message);
