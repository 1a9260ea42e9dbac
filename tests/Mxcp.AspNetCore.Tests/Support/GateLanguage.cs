using System.Text.Json.Nodes;
using Mxcp.Abstractions;

namespace Mxcp.AspNetCore.Tests.Support;

/// <summary>A test language "gate": a call reports that it started, then waits until the test opens the gate.</summary>
internal sealed class GateLanguage : IEndpointExecutorProvider, IEndpointExecutor
{
    private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;

    public string Language => "gate";

    public int Started => Volatile.Read(ref _started);

    public void Open() => _gate.TrySetResult();

    public void Close() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public ValueTask<IEndpointExecutor> CreateAsync(ProjectRuntimeContext context, CancellationToken cancellationToken) => ValueTask.FromResult<IEndpointExecutor>(this);

    public ValueTask<IReadOnlyList<string>> ValidateAsync(EndpointDefinition endpoint, string? sourceText, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<string>>([]);

    public async ValueTask<JsonNode?> ExecuteAsync(EndpointInvocation invocation, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _started);
        await _gate.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return JsonValue.Create("opened");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
