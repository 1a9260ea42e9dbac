namespace Mxcp.Abstractions;

/// <summary>
/// Implemented by a snapshot's SQL database (<see cref="ProjectRuntimeContext.SqlDatabase"/>) when its engine can call
/// functions that plugins implement (<see cref="ISqlFunctionProvider"/>). An executor created after the SQL executor
/// registers its provider while it starts; from then on the queries of that snapshot (SQL endpoints, the built-in SQL
/// tools, <see cref="ISqlDatabase.QueryAsync"/>, validation) can call the functions.
/// </summary>
/// <example>
/// <code>
/// if (context.SqlDatabase is ISqlFunctionRegistry registry)
/// {
///     await registry.AddAsync(provider, cancellationToken);
/// }
/// </code>
/// </example>
public interface ISqlFunctionRegistry
{
    /// <summary>
    /// Registers the provider's functions for this snapshot. A reload registers the new snapshot's providers with its
    /// own database object; queries of the old snapshot keep calling the old providers until it retires.
    /// </summary>
    /// <param name="provider">The provider; kept until the snapshot retires.</param>
    /// <param name="cancellationToken">Cancels the registration.</param>
    /// <exception cref="InvalidOperationException">
    /// A function cannot be registered: an unknown or unsupported type, an invalid name, or a name the engine already
    /// uses for another function with the same parameters. The message names the function and its origin.
    /// </exception>
    ValueTask AddAsync(ISqlFunctionProvider provider, CancellationToken cancellationToken);
}
