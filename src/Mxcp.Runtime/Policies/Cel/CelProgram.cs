using System.Diagnostics.CodeAnalysis;

namespace Mxcp.Runtime.Policies.Cel;

/// <summary>
/// A compiled CEL expression: compile once (<see cref="Compile"/>), evaluate many times, from any thread.
/// </summary>
/// <remarks>
/// Evaluation never throws: errors (a missing key, a type mismatch, an overflow) are returned as a value of kind
/// <see cref="CelKind.Error"/>, because CEL's <c>&amp;&amp;</c>, <c>||</c> and macros can absorb them.
/// </remarks>
internal sealed class CelProgram
{
    /// <summary>The longest source accepted, in UTF-16 code units.</summary>
    public const int MaxSourceLength = 100_000;

    private readonly CelNode _root;
    private readonly int _slots;

    private CelProgram(string source, CelNode root, int slots)
    {
        Source = source;
        _root = root;
        _slots = slots;
    }

    /// <summary>The source text.</summary>
    public string Source { get; }

    /// <summary>Compiles an expression.</summary>
    /// <exception cref="CelCompileException">The expression has syntax errors or uses something unsupported.</exception>
    public static CelProgram Compile(string source, CelCompileOptions? options = null) =>
        TryCompile(source, options, out var program, out var diagnostics) ? program : throw new CelCompileException(diagnostics);

    /// <summary>Compiles an expression, returning the problems instead of throwing.</summary>
    public static bool TryCompile(string source, CelCompileOptions? options, [NotNullWhen(true)] out CelProgram? program, out IReadOnlyList<CelDiagnostic> diagnostics)
    {
        ArgumentNullException.ThrowIfNull(source);
        program = null;
        if (source.Length > MaxSourceLength)
        {
            diagnostics = [new CelDiagnostic(1, 1, $"expression longer than {MaxSourceLength} characters")];
            return false;
        }

        CelSyntax syntax;
        try
        {
            syntax = CelParser.Parse(source);
        }
        catch (CelSyntaxException e)
        {
            diagnostics = [CelDiagnostic.At(source, e.Offset, e.Message)];
            return false;
        }

        var (root, slots, errors) = CelCompiler.Compile(source, syntax, options ?? CelCompileOptions.Default);
        diagnostics = errors;
        if (root is null)
        {
            return false;
        }

        program = new CelProgram(source, root, slots);
        return true;
    }

    /// <summary>Evaluates the expression with the given variables, within <see cref="CelBudget.Default"/>.</summary>
    public CelValue Evaluate(CelActivation activation) => Evaluate(activation, CelBudget.Default);

    /// <summary>Evaluates the expression with the given variables.</summary>
    /// <param name="activation">The variables.</param>
    /// <param name="budget">The cost limit (past it, the result is an error) and the cancellation token.</param>
    /// <exception cref="OperationCanceledException">The budget's token was cancelled during the evaluation.</exception>
    public CelValue Evaluate(CelActivation activation, CelBudget budget)
    {
        ArgumentNullException.ThrowIfNull(activation);
        var frame = new CelFrame
        {
            Activation = activation,
            Locals = _slots == 0 ? null : new CelValue[_slots],
        };
        using var scope = CelCost.Begin(budget.CostLimit, budget.Cancellation);
        try
        {
            return _root.Evaluate(ref frame);
        }
        catch (CelCostExceededException e)
        {
            return CelValue.Error(new CelError(e.Message) { CostLimitExceeded = true });
        }
        catch (OperationCanceledException) when (budget.Cancellation.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Data the evaluator reads lazily (a disposed JsonDocument, an unconvertible CLR value) can throw; the
            // error value keeps the fail-closed path and names only the exception type.
            return CelValue.Error($"evaluation failed ({e.GetType().Name})");
        }
    }

    /// <inheritdoc />
    public override string ToString() => Source;
}
