namespace Mxcp.Plugins.Python.Protocol;

/// <summary>The worker process ended (crashed, was killed, or was found hung) while a request was waiting for it.</summary>
internal sealed class WorkerExitedException(string message) : Exception(message);
