using System.Text.Json.Nodes;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Tests.TestSupport;

/// <summary>
/// A stand-in "sql" language whose source is the JSON result to return (<c>source: {code: '[{"a": 1}]'}</c>); a source
/// starting with <c>fail:</c> throws with the rest as message, followed by the arguments as JSON.
/// </summary>
internal sealed class JsonSqlProvider : IEndpointExecutorProvider
{
    public string Language => "sql";

    public IReadOnlyList<EndpointDefinition> BuiltIns { get; init; } = [];

    public ValueTask<IEndpointExecutor> CreateAsync(ProjectRuntimeContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IEndpointExecutor>(new Executor(BuiltIns));

    private sealed class Executor(IReadOnlyList<EndpointDefinition> builtIns) : IEndpointExecutor
    {
        public string Language => "sql";

        public IReadOnlyList<EndpointDefinition> BuiltInEndpoints => builtIns;

        public ValueTask<IReadOnlyList<string>> ValidateAsync(EndpointDefinition endpoint, string? sourceText, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<string>>([]);

        public ValueTask<JsonNode?> ExecuteAsync(EndpointInvocation invocation, CancellationToken cancellationToken)
        {
            var source = invocation.SourceText ?? "null";
            if (source.StartsWith("fail:", StringComparison.Ordinal))
            {
                throw new InvalidOperationException(source[5..] + " " + string.Join(",", invocation.Arguments.Values));
            }

            return ValueTask.FromResult(JsonNode.Parse(source));
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
