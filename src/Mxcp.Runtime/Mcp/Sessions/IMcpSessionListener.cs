namespace Mxcp.Runtime.Mcp.Sessions;

/// <summary>
/// Told when an MCP session of any transport opens or closes. Every registration in the service collection is called;
/// a listener that throws is logged and skipped.
/// </summary>
internal interface IMcpSessionListener
{
    void OnSessionOpened(RegisteredSession session);

    void OnSessionClosed(RegisteredSession session);
}
