using Mxcp.Abstractions;
using Mxcp.Runtime.Configuration;

namespace Mxcp.Runtime.Endpoints;

/// <summary>
/// An immutable, loaded project: configuration, endpoints ready to serve, the problems of the files that are not, and
/// the executors. A call holds a lease on the snapshot it started with; a retired snapshot disposes its executors when
/// its last lease is released.
/// </summary>
internal sealed class ProjectSnapshot : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, PreparedEndpoint> _tools;
    private readonly Dictionary<string, PreparedEndpoint> _prompts;
    private readonly Dictionary<string, PreparedEndpoint> _staticResources;
    private readonly List<PreparedEndpoint> _templatedResources;
    private readonly Task _predecessorDrained = Task.CompletedTask;
    private int _leases;
    private bool _retired;
    private int _disposed;
    private volatile bool _ownsExecutors = true;

    /// <summary>A snapshot; with <paramref name="predecessor"/>, one that takes over its executors (see <see cref="ProjectSnapshotBuilder.Refresh"/>).</summary>
    public ProjectSnapshot(
        long generation,
        ProjectConfiguration config,
        IReadOnlyList<EndpointFile> files,
        IReadOnlyList<PreparedEndpoint> endpoints,
        IReadOnlyList<EndpointProblem> problems,
        IReadOnlyList<IEndpointExecutor> executors,
        ProjectSnapshot? predecessor = null)
    {
        if (predecessor is not null)
        {
            // The predecessor's calls in flight still use the executors: whoever retires this snapshot waits for them too.
            predecessor._ownsExecutors = false;
            _predecessorDrained = predecessor.RetireAsync();
        }

        Generation = generation;
        Config = config;
        Files = files;
        Endpoints = endpoints;
        Problems = problems;
        Executors = executors;
        SqlDatabase = executors.OfType<ISqlDatabase>().FirstOrDefault();
        CreatedAt = DateTimeOffset.UtcNow;
        _tools = endpoints.Where(e => e.Definition.Kind == EndpointKind.Tool).ToDictionary(e => e.Definition.Name, StringComparer.Ordinal);
        _prompts = endpoints.Where(e => e.Definition.Kind == EndpointKind.Prompt).ToDictionary(e => e.Definition.Name, StringComparer.Ordinal);
        _staticResources = endpoints.Where(e => e.UriMatcher is { IsTemplated: false }).ToDictionary(e => e.Definition.Uri!, StringComparer.Ordinal);
        _templatedResources = endpoints.Where(e => e.UriMatcher is { IsTemplated: true }).ToList();
    }

    public long Generation { get; }

    public ProjectConfiguration Config { get; }

    public IReadOnlyList<EndpointFile> Files { get; }

    /// <summary>Every endpoint that can be served, built-ins included, in discovery order.</summary>
    public IReadOnlyList<PreparedEndpoint> Endpoints { get; }

    public IReadOnlyList<EndpointProblem> Problems { get; }

    public IReadOnlyList<IEndpointExecutor> Executors { get; }

    public ISqlDatabase? SqlDatabase { get; }

    public DateTimeOffset CreatedAt { get; }

    public int ActiveCalls
    {
        get
        {
            lock (_gate)
            {
                return _leases;
            }
        }
    }

    public PreparedEndpoint? FindTool(string name) => _tools.GetValueOrDefault(name);

    public PreparedEndpoint? FindPrompt(string name) => _prompts.GetValueOrDefault(name);

    /// <summary>
    /// Finds the resource serving <paramref name="uri"/>: an exact static URI first, then the first matching template.
    /// A URI that a template refuses (see <see cref="UriTemplateMatcher"/>) is found with its <see cref="ResourceMatch.Error"/>.
    /// </summary>
    public ResourceMatch? FindResource(string uri)
    {
        if (_staticResources.TryGetValue(uri, out var exact))
        {
            return new ResourceMatch(exact, new Dictionary<string, string>());
        }

        ResourceMatch? refused = null;
        foreach (var resource in _templatedResources)
        {
            if (resource.UriMatcher!.Match(uri, out var error) is { } variables)
            {
                return new ResourceMatch(resource, variables);
            }

            if (error is not null)
            {
                refused ??= new ResourceMatch(resource, new Dictionary<string, string>(), error);
            }
        }

        return refused;
    }

    public PreparedEndpoint? Find(EndpointKind kind, string nameOrUri) => kind switch
    {
        EndpointKind.Tool => FindTool(nameOrUri),
        EndpointKind.Prompt => FindPrompt(nameOrUri),
        _ => FindResource(nameOrUri) is { Error: null } match ? match.Endpoint : null,
    };

    public bool TryAcquire()
    {
        lock (_gate)
        {
            if (_retired)
            {
                return false;
            }

            _leases++;
            return true;
        }
    }

    public void Release()
    {
        bool dispose;
        lock (_gate)
        {
            _leases--;
            dispose = _retired && _leases == 0;
        }

        if (dispose)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>
    /// No new calls start on this snapshot; completes when the calls in flight have finished, those of the snapshots
    /// it took the executors over from included.
    /// </summary>
    public Task RetireAsync()
    {
        lock (_gate)
        {
            _retired = true;
            if (_leases == 0)
            {
                _drained.TrySetResult();
            }
        }

        return _predecessorDrained.IsCompleted ? _drained.Task : Task.WhenAll(_drained.Task, _predecessorDrained);
    }

    /// <summary>Disposes the executors, unless a newer snapshot took them over.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_ownsExecutors || Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var executor in Executors.Reverse())
        {
            await executor.DisposeAsync().ConfigureAwait(false);
        }
    }
}
