using System.Text.Json.Nodes;

namespace Mxcp.Abstractions;

/// <summary>
/// Creates the executor of one language for a project snapshot. Plugins register implementations in the
/// service collection; the runtime creates one executor per snapshot and disposes it when the snapshot retires.
/// </summary>
public interface IEndpointExecutorProvider
{
    /// <summary>The language this provider executes (<c>sql</c>, <c>python</c>, ...), matched case-insensitively.</summary>
    string Language { get; }

    /// <summary>
    /// The order in which executors of a snapshot are created: lower first. The SQL executor uses 0 so that
    /// executors created later can use it as <see cref="ProjectRuntimeContext.SqlDatabase"/>.
    /// </summary>
    int Order => 100;

    /// <summary>
    /// Whether the executor this provider creates for the project provides SQL functions (implements
    /// <see cref="ISqlFunctionProvider"/> and registers with <see cref="ISqlFunctionRegistry"/>). The runtime then starts
    /// it whenever it starts the SQL database, also when no endpoint uses its language (with
    /// <see cref="ProjectRuntimeContext.SqlFunctionsOnly"/> set where no endpoints run). The default is
    /// <see langword="false"/>.
    /// </summary>
    /// <param name="context">The project (its <see cref="ProjectRuntimeContext.SqlDatabase"/> is not known yet).</param>
    /// <returns>Whether the project's configuration declares functions for this provider (the Python plugin: a <c>plugin:</c> list).</returns>
    bool ProvidesSqlFunctions(ProjectRuntimeContext context) => false;

    /// <summary>
    /// Whether the executor is started for every served project, even one without endpoint files of its language:
    /// for executors whose endpoints all come from <see cref="IEndpointExecutor.BuiltInEndpoints"/>. Such executors are
    /// not started to validate a project (<c>mxcp validate</c>).
    /// </summary>
    bool StartsWithoutEndpointFiles => false;

    /// <summary>Creates an executor for the project described by <paramref name="context"/>.</summary>
    /// <param name="context">The project, its configuration and the host services.</param>
    /// <param name="cancellationToken">Cancels start-up.</param>
    /// <returns>A started executor.</returns>
    ValueTask<IEndpointExecutor> CreateAsync(ProjectRuntimeContext context, CancellationToken cancellationToken);
}

/// <summary>Runs the endpoints of one language for one project snapshot. Must be safe for concurrent calls.</summary>
public interface IEndpointExecutor : IAsyncDisposable
{
    /// <summary>The language executed.</summary>
    string Language { get; }

    /// <summary>
    /// Endpoints this executor provides without a file (for example the built-in SQL tools). They may change while
    /// the executor runs: raise <see cref="BuiltInEndpointsChanged"/> after they did.
    /// </summary>
    IReadOnlyList<EndpointDefinition> BuiltInEndpoints => [];

    /// <summary>
    /// Raised after <see cref="BuiltInEndpoints"/> changed. The runtime then serves the new set at once, on the same
    /// executors and without a reload (calls in flight finish undisturbed), and clients get one <c>list_changed</c>
    /// per kind that changed. An endpoint that takes the name of a project endpoint is not served and is logged.
    /// </summary>
    event EventHandler? BuiltInEndpointsChanged
    {
        add { }
        remove { }
    }

    /// <summary>
    /// Checks an endpoint when the snapshot is built (syntax, parameter names, function presence), so that
    /// errors are reported by <c>mxcp validate</c> and at start-up rather than at request time.
    /// </summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="sourceText">The implementation text (inline code or the file's content).</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>Error messages; empty when the endpoint is valid.</returns>
    ValueTask<IReadOnlyList<string>> ValidateAsync(EndpointDefinition endpoint, string? sourceText, CancellationToken cancellationToken);

    /// <summary>
    /// Remarks about a valid endpoint that do not stop it from being served, for example a declared parameter the
    /// implementation never reads. <c>mxcp validate</c> reports them as warnings. Called after
    /// <see cref="ValidateAsync"/> found no errors; must not block.
    /// </summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="sourceText">The implementation text (inline code or the file's content).</param>
    /// <returns>Warning messages; empty by default.</returns>
    IReadOnlyList<string> Warnings(EndpointDefinition endpoint, string? sourceText) => [];

    /// <summary>Runs an endpoint with validated arguments.</summary>
    /// <param name="invocation">The endpoint, its source text, its arguments and the call context.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// The raw result: for SQL, an array of row objects; for other languages whatever the code returned, as JSON.
    /// Throw to fail the call; the exception message is shown to the client.
    /// </returns>
    ValueTask<JsonNode?> ExecuteAsync(EndpointInvocation invocation, CancellationToken cancellationToken);
}

/// <summary>One call of an endpoint, handed to its <see cref="IEndpointExecutor"/>.</summary>
public sealed class EndpointInvocation
{
    /// <summary>The endpoint.</summary>
    public required EndpointDefinition Endpoint { get; init; }

    /// <summary>The implementation text: inline code or the content of <c>source.file</c>, read once per snapshot.</summary>
    public string? SourceText { get; init; }

    /// <summary>
    /// The validated arguments, defaults applied, every declared parameter present. Values are <see langword="null"/>,
    /// <see cref="string"/>, <see cref="long"/> (integer), <see cref="double"/> (number), <see cref="bool"/>,
    /// <see cref="DateOnly"/>, <see cref="TimeOnly"/>, <see cref="DateTimeOffset"/> (date-time, timestamp),
    /// <see cref="IReadOnlyList{T}"/> of values (array) or <see cref="IReadOnlyDictionary{TKey,TValue}"/> of values (object).
    /// </summary>
    public required IReadOnlyDictionary<string, object?> Arguments { get; init; }

    /// <summary>The URI being read, for a resource (the template's values filled in); <see langword="null"/> otherwise.</summary>
    public string? Uri { get; init; }

    /// <summary>The call context.</summary>
    public required CallContext Context { get; init; }

    /// <summary>
    /// Whether the result is only written out as JSON (an MCP tool call with no return type, no output policies and
    /// nothing else that reads the value): the executor may then return JSON it wrote itself
    /// (<see cref="WrittenJson.Create"/>) instead of building a node for every value.
    /// </summary>
    public bool WriteOnly { get; init; }
}
