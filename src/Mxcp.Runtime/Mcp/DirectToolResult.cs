using System.Buffers;
using ModelContextProtocol.Protocol;

namespace Mxcp.Runtime.Mcp;

/// <summary>
/// Takes a large tool result's JSON, written once by Mxcp, for a transport that answers a <c>tools/call</c> itself
/// (<see cref="McpResultMapper.ToToolResult"/>).
/// </summary>
internal sealed class DirectToolResult
{
    /// <summary>What <see cref="McpResultMapper.ToToolResult"/> returns when it wrote the result into <see cref="Json"/>.</summary>
    public static readonly CallToolResult Taken = new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = "The result was written as JSON and is not in this object." }],
    };

    /// <summary>The whole result object's JSON, when it was written here.</summary>
    public ReadOnlySequence<byte>? Json { get; set; }
}
