namespace Mxcp.Abstractions;

/// <summary>An audit backend opened for one project profile: the sink the server writes to and the store it is read from.</summary>
public interface IAuditBackend : IAuditSink, IAuditStore, IAsyncDisposable
{
}
