namespace Mxcp.Runtime.Policies.Cel;

/// <summary>A CEL expression that does not compile: syntax errors, unsupported features, unknown functions.</summary>
internal sealed class CelCompileException : Exception
{
    public CelCompileException(IReadOnlyList<CelDiagnostic> diagnostics)
        : base(diagnostics.Count > 0 ? diagnostics[0].ToString() : "the expression does not compile")
    {
        Diagnostics = diagnostics;
    }

    /// <summary>Every problem found, in source order.</summary>
    public IReadOnlyList<CelDiagnostic> Diagnostics { get; }
}
