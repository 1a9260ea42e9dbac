namespace Mxcp.Runtime.Policies.Cel;

/// <summary>How <see cref="CelProgram.Compile"/> treats names.</summary>
internal sealed class CelCompileOptions
{
    /// <summary>The default options: no container, unknown functions rejected, any variable allowed.</summary>
    public static readonly CelCompileOptions Default = new();

    /// <summary>The namespace tried as a prefix when resolving names (<c>a.b</c> makes <c>x</c> try <c>a.b.x</c>, <c>a.x</c>, <c>x</c>).</summary>
    public string Container { get; init; } = "";

    /// <summary>
    /// Whether a call of an unknown function compiles to an evaluation-time error instead of a compile error. CEL
    /// without a type checker behaves like that (<c>f_unknown(1) || true</c> is <c>true</c>); policies keep the default
    /// (<see langword="false"/>) so that a misspelt function is reported by <c>mxcp validate</c>.
    /// </summary>
    public bool AllowUnknownFunctions { get; init; }

    /// <summary>
    /// The variables that exist, when known. An identifier that is not declared (and not a comprehension variable)
    /// is then a compile error. <see langword="null"/>: any name may be bound at evaluation time.
    /// </summary>
    public IReadOnlySet<string>? DeclaredVariables { get; init; }
}
