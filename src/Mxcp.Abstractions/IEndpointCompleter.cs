namespace Mxcp.Abstractions;

/// <summary>
/// Implemented by an <see cref="IEndpointExecutor"/> that answers <c>completion/complete</c> for its own prompts and
/// resource templates (the upstream plugin asks the upstream). The runtime asks it instead of completing from the
/// parameters' <c>enum</c>, <c>examples</c> and <c>default</c>.
/// </summary>
internal interface IEndpointCompleter
{
    /// <summary>The values that complete <paramref name="value"/> of the argument (prompt) or variable (resource template).</summary>
    /// <param name="endpoint">The prompt or resource template, as served.</param>
    /// <param name="argument">The argument's or variable's name.</param>
    /// <param name="value">What the user typed so far.</param>
    /// <param name="context">The values of the other arguments already given, when the client sent them.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The completion; no values when there are none.</returns>
    ValueTask<EndpointCompletion> CompleteAsync(EndpointDefinition endpoint, string argument, string value, IReadOnlyDictionary<string, string>? context, CancellationToken cancellationToken);
}

/// <summary>The answer of <see cref="IEndpointCompleter"/>: the values, and how many there are in all when known.</summary>
/// <param name="Values">The values, best first.</param>
/// <param name="Total">How many values there are in all, when known.</param>
/// <param name="HasMore">Whether there are more values than <paramref name="Values"/>.</param>
internal sealed record EndpointCompletion(IReadOnlyList<string> Values, int? Total = null, bool? HasMore = null)
{
    /// <summary>No values.</summary>
    public static EndpointCompletion None { get; } = new([]);
}
