using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Runtime.Policies;
using Mxcp.Runtime.Templates;

namespace Mxcp.Runtime.Endpoints;

/// <summary>An endpoint ready to serve: its definition plus everything computed once per snapshot.</summary>
internal sealed class PreparedEndpoint
{
    public required EndpointDefinition Definition { get; init; }

    /// <summary>Where it was defined, relative to the project ("tools/x.yml"), or "built-in".</summary>
    public required string DisplayPath { get; init; }

    /// <summary>Inline code or the content of <c>source.file</c>.</summary>
    public string? SourceText { get; init; }

    /// <summary>The executor of its language; <see langword="null"/> for prompts.</summary>
    public IEndpointExecutor? Executor { get; init; }

    /// <summary>The parsed message templates of a prompt.</summary>
    public IReadOnlyList<JinjaTemplate> Templates { get; init; } = [];

    public required CompiledPolicies Policies { get; init; }

    public required JsonElement InputSchema { get; init; }

    public JsonElement? OutputSchema { get; init; }

    /// <summary>Non-object results are wrapped as <c>{"result": ...}</c> in structured output.</summary>
    public bool WrapsResult { get; init; }

    /// <summary>The URI matcher of a resource.</summary>
    public UriTemplateMatcher? UriMatcher { get; init; }

    public string Key => Definition.Key;

    /// <summary>Whether an executor provides it (<see cref="IEndpointExecutor.BuiltInEndpoints"/>) rather than a file.</summary>
    public bool IsBuiltIn { get; init; }

    /// <summary>The same prepared endpoint bound to another executor (restoring a project after a failed reload).</summary>
    public PreparedEndpoint WithExecutor(IEndpointExecutor? executor) => new()
    {
        Definition = Definition,
        DisplayPath = DisplayPath,
        SourceText = SourceText,
        Executor = executor,
        Templates = Templates,
        Policies = Policies,
        InputSchema = InputSchema,
        OutputSchema = OutputSchema,
        WrapsResult = WrapsResult,
        UriMatcher = UriMatcher,
        IsBuiltIn = IsBuiltIn,
    };
}
