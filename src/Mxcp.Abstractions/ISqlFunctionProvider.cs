namespace Mxcp.Abstractions;

/// <summary>
/// Scalar SQL functions implemented by a plugin outside the SQL engine. The Python plugin provides the <c>@udf</c>
/// methods of the project's Python plugins (the <c>plugin:</c> list of <c>mxcp-site.yml</c>) this way. A provider is
/// handed to the snapshot's <see cref="ISqlFunctionRegistry"/>, which reads <see cref="SqlFunctions"/> once and then
/// calls <see cref="InvokeAsync"/> whenever a query evaluates one of them.
/// </summary>
public interface ISqlFunctionProvider
{
    /// <summary>The functions.</summary>
    IReadOnlyList<SqlFunction> SqlFunctions { get; }

    /// <summary>Evaluates a function for a batch of rows.</summary>
    /// <param name="call">The function, the arguments of every row (see <see cref="SqlFunctionCall"/> for the values) and the call context.</param>
    /// <param name="cancellationToken">Cancelled when the query is (the endpoint call was cancelled or timed out).</param>
    /// <returns>
    /// One result per row, in order, as the values of <see cref="SqlFunctionCall"/> (numbers of any CLR numeric type,
    /// lists and string-keyed dictionaries of any kind are accepted, and a MAP's string keys are converted to its key
    /// type). Throw to fail the query: the message, prefixed with the function's name, is the query's error.
    /// </returns>
    ValueTask<IReadOnlyList<object?>> InvokeAsync(SqlFunctionCall call, CancellationToken cancellationToken);
}
