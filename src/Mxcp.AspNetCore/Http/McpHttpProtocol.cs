namespace Mxcp.AspNetCore.Http;

/// <summary>Header names and protocol versions of MCP over HTTP (internal in the SDK, so they are ours here).</summary>
internal static class McpHttpProtocol
{
    public const string SessionIdHeader = "Mcp-Session-Id";
    public const string ProtocolVersionHeader = "MCP-Protocol-Version";
    public const string LastEventIdHeader = "Last-Event-ID";
    public const string MethodHeader = "Mcp-Method";
    public const string NameHeader = "Mcp-Name";
    public const string ProtocolVersionMetaKey = "io.modelcontextprotocol/protocolVersion";
    public const string ClientCapabilitiesMetaKey = "io.modelcontextprotocol/clientCapabilities";
    public const string FirstStatelessVersion = "2026-07-28";

    /// <summary>Versions that use the initialize handshake and sessions.</summary>
    public static readonly string[] InitializeVersions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

    /// <summary>Every version this server speaks.</summary>
    public static readonly string[] AllVersions = [.. InitializeVersions, FirstStatelessVersion];

    /// <summary>Methods that 2026-07-28 removed.</summary>
    public static readonly HashSet<string> RemovedIn2026 = new(StringComparer.Ordinal)
    {
        "initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe",
    };

    public static bool IsStatelessVersion(string? version) =>
        version is not null && string.CompareOrdinal(version, FirstStatelessVersion) >= 0;

    public static bool IsSupported(string version) => Array.IndexOf(AllVersions, version) >= 0;
}
