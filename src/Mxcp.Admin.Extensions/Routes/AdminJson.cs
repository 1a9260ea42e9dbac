using System.Text.Json.Nodes;
using Mxcp.Runtime.Mcp.Sessions;
using Mxcp.Runtime.Reload;

namespace Mxcp.Admin;

/// <summary>JSON shapes the admin routes and events share.</summary>
internal static class AdminJson
{
    /// <summary>A reload status as the MXCP admin API writes it: <c>success</c> or <c>error</c>.</summary>
    public static string Status(ReloadStatus status) => status switch
    {
        ReloadStatus.Success => "success",
        _ => "error",
    };

    /// <summary>One live MCP session (<c>GET /sessions</c>, <c>GET /sessions/{id}</c>).</summary>
    public static JsonObject Session(RegisteredSession session) => new()
    {
        ["session_id"] = session.Id,
        ["transport"] = session.Transport,
        ["created_at"] = session.CreatedAt.ToString("O"),
        ["last_activity"] = session.LastActivity.ToString("O"),
        ["active"] = session.IsActive,
        ["user_id"] = session.UserId,
        ["client"] = session.ClientInfo is { } client ? new JsonObject { ["name"] = client.Name, ["version"] = client.Version } : null,
        ["protocol_version"] = session.ProtocolVersion,
    };
}
