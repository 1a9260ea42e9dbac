using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;

namespace Mxcp.Tests.Shared;

/// <summary>
/// The <c>sql</c> language of a test host (the runtime always starts it): records the secrets each project snapshot's
/// executor receives, which is what every real language gets to use.
/// </summary>
public sealed class SecretsProbe : IEndpointExecutorProvider, IEndpointExecutor
{
    private readonly ConcurrentQueue<IReadOnlyList<SecretDefinition>> _snapshots = new();
    private int _disposed;

    public string Language => "sql";

    /// <summary>How many executors were disposed: a reload refused before draining disposes none.</summary>
    public int Disposed => _disposed;

    /// <summary>The value of one secret parameter, in every snapshot so far.</summary>
    public IReadOnlyList<string?> Values(string secret, string parameter) =>
        _snapshots.Select(s => s.Single(d => d.Name == secret).Parameters.GetProperty(parameter))
            .Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText())
            .ToList();

    public ValueTask<IEndpointExecutor> CreateAsync(ProjectRuntimeContext context, CancellationToken cancellationToken)
    {
        _snapshots.Enqueue(context.Secrets);
        return ValueTask.FromResult<IEndpointExecutor>(this);
    }

    public ValueTask<IReadOnlyList<string>> ValidateAsync(EndpointDefinition endpoint, string? sourceText, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<string>>([]);

    public ValueTask<JsonNode?> ExecuteAsync(EndpointInvocation invocation, CancellationToken cancellationToken) =>
        ValueTask.FromResult<JsonNode?>(null);

    public ValueTask DisposeAsync()
    {
        Interlocked.Increment(ref _disposed);
        return ValueTask.CompletedTask;
    }
}
