namespace Mxcp.Runtime.Policies.Cel;

/// <summary>What one evaluation may spend: a cost limit (<see cref="CelCost"/>) and a cancellation token.</summary>
/// <param name="CostLimit">The most the evaluation may cost; past it, the result is an error.</param>
/// <param name="Cancellation">Stops the evaluation with <see cref="OperationCanceledException"/>.</param>
internal readonly record struct CelBudget(long CostLimit, CancellationToken Cancellation)
{
    /// <summary><see cref="CelCost.DefaultLimit"/>, not cancellable.</summary>
    public static CelBudget Default => new(CelCost.DefaultLimit, CancellationToken.None);
}
