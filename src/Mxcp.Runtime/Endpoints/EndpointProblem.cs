namespace Mxcp.Runtime.Endpoints;

/// <summary>An endpoint that cannot be served, and why. <see cref="Message"/> starts with the file's path (or the endpoint's origin).</summary>
/// <param name="Path">The file's path, relative to the project, or where a built-in endpoint comes from.</param>
/// <param name="Message">What is wrong.</param>
/// <param name="FromBuiltIn">Whether it is about an executor's built-in endpoint (recomputed whenever those change).</param>
internal sealed record EndpointProblem(string Path, string Message, bool FromBuiltIn = false);
