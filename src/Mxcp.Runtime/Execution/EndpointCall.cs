using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Runtime.Endpoints;

namespace Mxcp.Runtime.Execution;

/// <summary>One call of an endpoint, as the pipeline receives it from any door (MCP, <c>mxcp run</c>, tests).</summary>
internal sealed class EndpointCall
{
    /// <summary>The snapshot the call runs on; the caller holds a lease on it for the duration of the call.</summary>
    public required ProjectSnapshot Snapshot { get; init; }

    public required PreparedEndpoint Endpoint { get; init; }

    /// <summary>The raw arguments as the client sent them.</summary>
    public IReadOnlyDictionary<string, JsonElement>? Arguments { get; init; }

    public required CallContext Context { get; init; }

    /// <summary>The URI being read, for a resource.</summary>
    public string? ResourceUri { get; init; }

    /// <summary>Skip output validation (<c>mxcp run --skip-output-validation</c>).</summary>
    public bool SkipOutputValidation { get; init; }

    /// <summary>
    /// The result is only written out as JSON (an MCP tool call): when nothing else reads it (no return type, no output
    /// rules) the executor is told it may return JSON it wrote itself (<see cref="Abstractions.EndpointInvocation.WriteOnly"/>).
    /// </summary>
    public bool WritesResultOnly { get; init; }
}
