using System.Text.Json;

namespace Mxcp.Abstractions;

/// <summary>
/// One tool, resource or prompt of an MXCP project, parsed from its YAML file. Immutable; parsed once per project
/// snapshot and shared by every request.
/// </summary>
public sealed class EndpointDefinition
{
    /// <summary>Tool, resource or prompt.</summary>
    public required EndpointKind Kind { get; init; }

    /// <summary>The MCP name: the tool or prompt name; for a resource its <c>name</c>, or its URI when it has none.</summary>
    public required string Name { get; init; }

    /// <summary>The resource URI or URI template (<c>{var}</c> segments); <see langword="null"/> for tools and prompts.</summary>
    public string? Uri { get; init; }

    /// <summary>The endpoint description.</summary>
    public string? Description { get; init; }

    /// <summary>Tags (not sent to clients; used by lint and evals).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>MCP tool annotations, when declared.</summary>
    public EndpointAnnotations? Annotations { get; init; }

    /// <summary>The declared parameters, in file order.</summary>
    public IReadOnlyList<ParameterDefinition> Parameters { get; init; } = [];

    /// <summary>The declared return type, which drives result shaping and the advertised output schema.</summary>
    public TypeSchema? Return { get; init; }

    /// <summary>The implementation language (<c>sql</c>, <c>python</c>, ...); <see langword="null"/> for prompts.</summary>
    public string? Language { get; init; }

    /// <summary>Where the implementation is; <see langword="null"/> for prompts.</summary>
    public EndpointSource? Source { get; init; }

    /// <summary>The resource MIME type.</summary>
    public string? MimeType { get; init; }

    /// <summary>The prompt messages (Jinja templates); empty for tools and resources.</summary>
    public IReadOnlyList<PromptMessageDefinition> Messages { get; init; } = [];

    /// <summary>Input and output policies.</summary>
    public PolicySet? Policies { get; init; }

    /// <summary>The endpoint's tests, run by <c>mxcp test</c>.</summary>
    public IReadOnlyList<EndpointTestDefinition> Tests { get; init; } = [];

    /// <summary>Whether the endpoint is enabled (<c>enabled: false</c> hides it).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The free-form <c>metadata</c> map of the file.</summary>
    public JsonElement? Metadata { get; init; }

    /// <summary>The absolute path of the YAML file; empty for built-in endpoints.</summary>
    public string FilePath { get; init; } = "";

    /// <summary>Whether the endpoint is built into a plugin rather than read from a file (e.g. the SQL tools).</summary>
    public bool IsBuiltIn { get; init; }

    /// <summary>
    /// Where an endpoint that no project file defines comes from, for messages and the admin API (for example
    /// <c>upstream 'shop'</c>); <see langword="null"/> for file endpoints and the built-in SQL tools.
    /// </summary>
    public string? Origin { get; init; }

    /// <summary>
    /// A JSON Schema advertised to clients as the tool's input schema instead of one built from
    /// <see cref="Parameters"/> (for example the schema of a tool of an upstream MCP server). When it is set and no
    /// parameters are declared, the arguments are not converted: the executor receives them as the client sent them,
    /// as <see cref="JsonElement"/> values; policies see them as always.
    /// </summary>
    public JsonElement? InputSchema { get; init; }

    /// <summary>A JSON Schema advertised to clients as the tool's output schema instead of one built from <see cref="Return"/>.</summary>
    public JsonElement? OutputSchema { get; init; }

    /// <summary>
    /// Whether the executor returns the MCP result itself, as JSON (a <c>CallToolResult</c>, <c>ReadResourceResult</c>
    /// or <c>GetPromptResult</c>), which the server sends on unchanged: for endpoints that forward MCP calls. Output
    /// policies see the result's <c>structuredContent</c>, or else its text content (parsed when it is JSON); when a
    /// policy changes that value, the result sent carries the changed value instead of the original content.
    /// </summary>
    public bool ReturnsMcpResult { get; init; }

    /// <summary>The identity of the endpoint among all endpoints: <c>tool/name</c>, <c>resource/uri</c> or <c>prompt/name</c>.</summary>
    public string Key => Kind switch
    {
        EndpointKind.Tool => "tool/" + Name,
        EndpointKind.Resource => "resource/" + Uri,
        _ => "prompt/" + Name,
    };
}

/// <summary>Where an endpoint's implementation is.</summary>
public sealed class EndpointSource
{
    /// <summary>Inline code (<c>source.code</c>).</summary>
    public string? Code { get; init; }

    /// <summary>The file as written (<c>source.file</c>).</summary>
    public string? File { get; init; }

    /// <summary>The absolute path of <see cref="File"/>, resolved against the YAML file (or the project root for <c>/x</c>).</summary>
    public string? FullPath { get; init; }

    /// <summary>The declared <c>source.language</c>, if any.</summary>
    public string? Language { get; init; }
}

/// <summary>MCP tool annotations. Only the hints that are set are sent to clients.</summary>
public sealed class EndpointAnnotations
{
    /// <summary>A human-readable title.</summary>
    public string? Title { get; init; }

    /// <summary>The tool does not modify its environment.</summary>
    public bool? ReadOnlyHint { get; init; }

    /// <summary>The tool may perform destructive updates.</summary>
    public bool? DestructiveHint { get; init; }

    /// <summary>Calling the tool repeatedly with the same arguments has no additional effect.</summary>
    public bool? IdempotentHint { get; init; }

    /// <summary>The tool interacts with an open world of external entities.</summary>
    public bool? OpenWorldHint { get; init; }
}

/// <summary>A prompt message: a Jinja template and its role.</summary>
/// <param name="Prompt">The template text.</param>
/// <param name="Role">The role (<c>user</c>, <c>assistant</c> or <c>system</c>); <see langword="null"/> means <c>user</c>.</param>
/// <param name="Type">The declared content type, if any.</param>
public sealed record PromptMessageDefinition(string Prompt, string? Role, string? Type);

/// <summary>The input and output policies of an endpoint.</summary>
public sealed class PolicySet
{
    /// <summary>Rules evaluated before execution over the raw arguments and <c>user</c>.</summary>
    public IReadOnlyList<PolicyRule> Input { get; init; } = [];

    /// <summary>Rules evaluated after execution over <c>response</c> and <c>user</c>.</summary>
    public IReadOnlyList<PolicyRule> Output { get; init; } = [];
}

/// <summary>One policy rule: a CEL condition and what to do when it holds.</summary>
/// <param name="Condition">The CEL condition.</param>
/// <param name="Action">The action taken when the condition is true.</param>
/// <param name="Reason">The reason given to the client on denial.</param>
/// <param name="Fields">The fields of <c>filter_fields</c> and <c>mask_fields</c>.</param>
public sealed record PolicyRule(string Condition, PolicyAction Action, string? Reason, IReadOnlyList<string> Fields);

/// <summary>The action of a <see cref="PolicyRule"/>.</summary>
public enum PolicyAction
{
    /// <summary><c>deny</c>: refuse the call.</summary>
    Deny,
    /// <summary><c>filter_fields</c>: remove the listed fields from the result.</summary>
    FilterFields,
    /// <summary><c>mask_fields</c>: replace the listed fields' values with <c>"****"</c>.</summary>
    MaskFields,
    /// <summary><c>filter_sensitive_fields</c>: remove fields the return type marks <c>sensitive</c>.</summary>
    FilterSensitiveFields,
}

/// <summary>A test of an endpoint (the <c>tests:</c> list), run by <c>mxcp test</c>.</summary>
public sealed class EndpointTestDefinition
{
    /// <summary>The test name.</summary>
    public required string Name { get; init; }

    /// <summary>The test description.</summary>
    public string? Description { get; init; }

    /// <summary>The arguments, in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, JsonElement>> Arguments { get; init; } = [];

    /// <summary>The user context the test runs as.</summary>
    public JsonElement? UserContext { get; init; }

    /// <summary>
    /// The assertions, keyed by their YAML name (<c>result</c>, <c>result_contains</c>, <c>result_not_contains</c>,
    /// <c>result_contains_item</c>, <c>result_contains_all</c>, <c>result_length</c>, <c>result_contains_text</c>), in file order.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, JsonElement>> Assertions { get; init; } = [];
}
