using System.Text.Json.Nodes;
using Mxcp.Abstractions;

namespace Mxcp.AspNetCore.Tests.Support;

/// <summary>
/// A test executor that only provides the SQL function <c>shout(VARCHAR) -> VARCHAR</c>: it sends each value to the
/// caller's client as a log message, then returns it in upper case.
/// </summary>
internal sealed class ShoutFunctions : IEndpointExecutorProvider, IEndpointExecutor, ISqlFunctionProvider
{
    public string Language => "shout";

    public IReadOnlyList<SqlFunction> SqlFunctions { get; } =
        [new SqlFunction { Name = "shout", ParameterTypes = ["VARCHAR"], ReturnType = "VARCHAR" }];

    public bool ProvidesSqlFunctions(ProjectRuntimeContext context) => true;

    public async ValueTask<IEndpointExecutor> CreateAsync(ProjectRuntimeContext context, CancellationToken cancellationToken)
    {
        if (context.SqlDatabase is ISqlFunctionRegistry registry)
        {
            await registry.AddAsync(this, cancellationToken).ConfigureAwait(false);
        }

        return this;
    }

    public async ValueTask<IReadOnlyList<object?>> InvokeAsync(SqlFunctionCall call, CancellationToken cancellationToken)
    {
        var results = new List<object?>();
        foreach (var row in call.Rows)
        {
            var text = (string?)row[0];
            if (call.Context?.Notifier is { } notifier)
            {
                await notifier.LogAsync("warning", $"shouting {text}", cancellationToken).ConfigureAwait(false);
            }

            results.Add(text?.ToUpperInvariant());
        }

        return results;
    }

    public ValueTask<IReadOnlyList<string>> ValidateAsync(EndpointDefinition endpoint, string? sourceText, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<string>>([]);

    public ValueTask<JsonNode?> ExecuteAsync(EndpointInvocation invocation, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("shout has no endpoints");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
