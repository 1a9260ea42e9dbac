namespace Mxcp.Abstractions;

/// <summary>The kind of an MXCP endpoint.</summary>
public enum EndpointKind
{
    /// <summary>An MCP tool (<c>tool:</c>).</summary>
    Tool,
    /// <summary>An MCP resource or resource template (<c>resource:</c>).</summary>
    Resource,
    /// <summary>An MCP prompt (<c>prompt:</c>).</summary>
    Prompt,
}
