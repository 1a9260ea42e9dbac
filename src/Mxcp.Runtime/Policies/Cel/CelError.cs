namespace Mxcp.Runtime.Policies.Cel;

/// <summary>
/// A CEL evaluation error. Messages name operators, functions, types and the field names written in the
/// expression; they never contain runtime values, so that no user data leaks into denial reasons and logs.
/// </summary>
internal sealed class CelError
{
    public CelError(string message)
    {
        Message = message;
    }

    /// <summary>What went wrong, without any runtime value.</summary>
    public string Message { get; }

    /// <summary>Whether the evaluation stopped because it went past its cost limit (<see cref="CelCost"/>).</summary>
    public bool CostLimitExceeded { get; init; }

    /// <inheritdoc />
    public override string ToString() => Message;

    internal static CelError NoSuchOverload(string function, in CelValue arg) =>
        new($"no such overload: {function}({arg.TypeName})");

    internal static CelError NoSuchOverload(string function, in CelValue left, in CelValue right) =>
        new($"no such overload: {function}({left.TypeName}, {right.TypeName})");

    internal static readonly CelError IntOverflow = new("integer overflow");
    internal static readonly CelError UintOverflow = new("unsigned integer overflow");
    internal static readonly CelError DivideByZero = new("division by zero");
    internal static readonly CelError ModulusByZero = new("modulus by zero");
    internal static readonly CelError IndexOutOfRange = new("list index out of range");
}
