using System.Text.Json.Nodes;

namespace Mxcp.Runtime.Execution;

/// <summary>What a call produced: a value (tools, resources), rendered messages (prompts), or an error.</summary>
internal sealed class EndpointCallResult
{
    public bool Succeeded => ErrorKind == EndpointErrorKind.None;

    /// <summary>The shaped, validated and policy-filtered result of a tool or resource.</summary>
    public JsonNode? Value { get; init; }

    /// <summary>The rendered messages of a prompt.</summary>
    public IReadOnlyList<RenderedPromptMessage>? Messages { get; init; }

    public EndpointErrorKind ErrorKind { get; init; }

    /// <summary>The message shown to the caller.</summary>
    public string? Error { get; init; }

    public Exception? Exception { get; init; }

    /// <summary>The validated arguments, defaults applied; <see langword="null"/> when validation did not run or failed.</summary>
    public IReadOnlyDictionary<string, object?>? Arguments { get; init; }

    public required PolicyRecord Policy { get; init; }

    public TimeSpan Duration { get; init; }

    /// <summary>The rendered prompt messages as the reference's JSON: <c>[{"role", "prompt", "type"?}]</c>.</summary>
    public JsonArray MessagesJson() => new((Messages ?? [])
        .Select(m =>
        {
            var message = new JsonObject { ["role"] = m.Role, ["prompt"] = m.Text };
            if (m.Type is not null)
            {
                message["type"] = m.Type;
            }

            return (JsonNode)message;
        })
        .ToArray());
}

/// <summary>Why a call failed.</summary>
internal enum EndpointErrorKind
{
    None,

    /// <summary>The arguments do not match the declared parameters.</summary>
    InvalidArguments,

    /// <summary>An input or output policy denied the call.</summary>
    PolicyDenied,

    /// <summary>The executor, the template or result shaping failed.</summary>
    ExecutionFailed,

    /// <summary>The result does not match the declared return type.</summary>
    InvalidOutput,

    /// <summary>The caller cancelled the call.</summary>
    Cancelled,
}

/// <summary>A rendered prompt message.</summary>
internal sealed record RenderedPromptMessage(string Role, string Text, string? Type);

/// <summary>The policy outcome of a call, for audit records and spans.</summary>
/// <param name="Decision"><c>allow</c>, <c>deny</c>, <c>warn</c>, or <see langword="null"/> when the endpoint has no policies.</param>
/// <param name="Reason">The reason of a denial or modification.</param>
/// <param name="Evaluated">The rules evaluated, as <c>input[i]: condition</c>.</param>
internal sealed record PolicyRecord(string? Decision, string? Reason, IReadOnlyList<string> Evaluated)
{
    public static readonly PolicyRecord None = new(null, null, []);
}
