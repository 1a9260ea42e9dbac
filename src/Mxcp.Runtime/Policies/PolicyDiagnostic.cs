namespace Mxcp.Runtime.Policies;

/// <summary>How serious a <see cref="PolicyDiagnostic"/> is.</summary>
internal enum PolicyDiagnosticSeverity
{
    /// <summary>The rule cannot be used; every call of the endpoint is denied until it is fixed.</summary>
    Error,

    /// <summary>The rule works but does not do what it seems to (e.g. a non-deny action on an input rule).</summary>
    Warning,
}

/// <summary>
/// A problem with one policy rule, for <c>mxcp validate</c>: the rule (<c>input[1]</c>), the 1-based line and column in
/// its condition (0 when the problem is not in the condition), and what is wrong.
/// </summary>
internal sealed record PolicyDiagnostic(string Rule, int Line, int Column, string Message, PolicyDiagnosticSeverity Severity)
{
    /// <inheritdoc />
    public override string ToString()
    {
        var location = Line > 0 ? $"{Rule}: line {Line}, column {Column}" : Rule;
        var prefix = Severity == PolicyDiagnosticSeverity.Warning ? "warning: " : "";
        return $"{location}: {prefix}{Message}";
    }
}
