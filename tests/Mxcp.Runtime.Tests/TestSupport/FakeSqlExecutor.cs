using System.Text.Json.Nodes;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Tests.TestSupport;

/// <summary>A stand-in "sql" language: returns the source text as one row, and can hold calls until released.</summary>
internal sealed class FakeSqlProvider : IEndpointExecutorProvider
{
    public string Language => "sql";

    public List<FakeSqlExecutor> Created { get; } = [];

    public TaskCompletionSource? Hold { get; set; }

    /// <summary>When set, the next executor creation fails with this message.</summary>
    public string? FailNextCreate { get; set; }

    public ValueTask<IEndpointExecutor> CreateAsync(ProjectRuntimeContext context, CancellationToken cancellationToken)
    {
        if (FailNextCreate is { } failure)
        {
            FailNextCreate = null;
            throw new InvalidOperationException(failure);
        }

        var executor = new FakeSqlExecutor(this, Created.Count + 1);
        lock (Created)
        {
            Created.Add(executor);
        }

        return ValueTask.FromResult<IEndpointExecutor>(executor);
    }
}

internal sealed class FakeSqlExecutor(FakeSqlProvider provider, int generation) : IEndpointExecutor
{
    public string Language => "sql";

    public int Generation { get; } = generation;

    public bool Disposed { get; private set; }

    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ValueTask<IReadOnlyList<string>> ValidateAsync(EndpointDefinition endpoint, string? sourceText, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<string>>([]);

    public async ValueTask<JsonNode?> ExecuteAsync(EndpointInvocation invocation, CancellationToken cancellationToken)
    {
        Started.TrySetResult();
        if (provider.Hold is { } hold)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }

        return new JsonArray(new JsonObject { ["source"] = invocation.SourceText, ["generation"] = Generation, ["closed"] = Disposed });
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        return ValueTask.CompletedTask;
    }
}
