using System.Globalization;

namespace Mxcp.Runtime.Policies.Cel;

/// <summary>
/// The cost of one evaluation, in the spirit of CEL's runtime cost (cel-go's cost tracker): each comprehension
/// iteration costs 1; <c>in</c>, list or map equality and list concatenation cost 1 per element they go through;
/// <c>split</c> costs 1 per part it makes; function calls cost 1, plus 1 per element of their list and map arguments
/// and 1 per 10 characters or bytes of their string and bytes arguments; <c>+</c> on strings and bytes costs 1 per 10
/// characters. Arithmetic, comparisons and selections are free: without a comprehension their number is bounded by the
/// length of the expression. An evaluation that goes past its limit stops with an error that no <c>||</c>,
/// <c>&amp;&amp;</c> or macro absorbs. Cancellation is checked at every charge.
/// </summary>
/// <remarks>
/// Evaluation is synchronous, so the meter of the running evaluation is kept per thread: the operators and functions
/// charge it without a context argument, and charges outside an evaluation (constant folding) are free.
/// </remarks>
internal static class CelCost
{
    /// <summary>The default limit per evaluation: about a million comprehension iterations, tens of milliseconds.</summary>
    public const long DefaultLimit = 1_000_000;

    [ThreadStatic]
    private static Meter? t_meter;

    /// <summary>Starts metering an evaluation on this thread; dispose the scope when it ends.</summary>
    public static Scope Begin(long limit, CancellationToken cancellationToken)
    {
        var meter = t_meter ??= new Meter();
        var scope = new Scope(meter, meter.Active, meter.Remaining, meter.Limit, meter.Cancellation);
        meter.Active = true;
        meter.Remaining = limit;
        meter.Limit = limit;
        meter.Cancellation = cancellationToken;
        return scope;
    }

    /// <summary>Charges <paramref name="units"/> to the running evaluation.</summary>
    /// <exception cref="CelCostExceededException">The evaluation went past its limit.</exception>
    /// <exception cref="OperationCanceledException">The evaluation was cancelled.</exception>
    public static void Charge(long units)
    {
        var meter = t_meter;
        if (meter is not { Active: true })
        {
            return;
        }

        meter.Remaining -= units;
        if (meter.Remaining < 0)
        {
            throw new CelCostExceededException(meter.Limit);
        }

        meter.Cancellation.ThrowIfCancellationRequested();
    }

    /// <summary>Charges for going through <paramref name="characters"/> characters or bytes: 1 + characters / 10.</summary>
    public static void ChargeText(long characters) => Charge(1 + (characters / 10));

    /// <summary>
    /// What an operand adds to the cost of a function call: 1 per element of a list or map, 1 per 10 characters or
    /// bytes, nothing for scalars.
    /// </summary>
    public static long WorkOf(in CelValue value) => value.Kind switch
    {
        CelKind.String => value.AsString.Length / 10,
        CelKind.Bytes => value.AsBytes.Length / 10,
        CelKind.List => value.AsList.Count,
        CelKind.Map => value.AsMap.Count,
        _ => 0,
    };

    /// <summary>The text of the error of an evaluation that went past its limit.</summary>
    public static string LimitMessage(long limit) =>
        string.Create(CultureInfo.InvariantCulture, $"evaluation cost exceeded the limit of {limit:N0}");

    private sealed class Meter
    {
        public bool Active;
        public long Remaining;
        public long Limit;
        public CancellationToken Cancellation;
    }

    /// <summary>Restores the meter of an enclosing evaluation (or none) when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly Meter _meter;
        private readonly bool _active;
        private readonly long _remaining;
        private readonly long _limit;
        private readonly CancellationToken _cancellation;

        internal Scope(object meter, bool active, long remaining, long limit, CancellationToken cancellation)
        {
            _meter = (Meter)meter;
            _active = active;
            _remaining = remaining;
            _limit = limit;
            _cancellation = cancellation;
        }

        public void Dispose()
        {
            _meter.Active = _active;
            _meter.Remaining = _remaining;
            _meter.Limit = _limit;
            _meter.Cancellation = _cancellation;
        }
    }
}

/// <summary>Thrown by <see cref="CelCost.Charge"/> to stop an evaluation that went past its limit.</summary>
internal sealed class CelCostExceededException(long limit) : Exception(CelCost.LimitMessage(limit))
{
    public long Limit { get; } = limit;
}
