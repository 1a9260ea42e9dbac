namespace Mxcp.Runtime.Endpoints;

/// <summary>The project cannot be loaded at all (as opposed to individual endpoint files with errors).</summary>
internal sealed class ProjectLoadException(string message, Exception? inner = null) : Exception(message, inner);
