namespace Mxcp.Runtime.Policies;

/// <summary>
/// The texts of policy outcomes. The request pipeline must use <see cref="InputDenied"/> and
/// <see cref="OutputDenied"/> verbatim for the error the client sees, as MXCP does.
/// </summary>
internal static class PolicyMessages
{
    /// <summary>The reason of an input <c>deny</c> rule without <c>reason</c>.</summary>
    public const string DefaultInputDenyReason = "Access denied by policy";

    /// <summary>The reason of an output <c>deny</c> rule without <c>reason</c>.</summary>
    public const string DefaultOutputDenyReason = "Output blocked by policy";

    /// <summary>The client-facing error of a denied input: <c>Policy enforcement failed: &lt;reason&gt;</c>.</summary>
    public static string InputDenied(string reason) => "Policy enforcement failed: " + reason;

    /// <summary>The client-facing error of a denied output: <c>Output policy enforcement failed: &lt;reason&gt;</c>.</summary>
    public static string OutputDenied(string reason) => "Output policy enforcement failed: " + reason;

    /// <summary>The reason when a rule's condition cannot be evaluated (the call is denied: policies fail closed).</summary>
    public static string EvaluationFailed(string rule, string error) => $"Policy evaluation failed for {rule}: {error}";

    /// <summary>The reason when a rule's evaluation went past its cost limit (the call is denied: policies fail closed).</summary>
    public static string CostLimitExceeded(string rule, string error) =>
        EvaluationFailed(rule, error + " (set MXCP_POLICY_COST_LIMIT to raise it)");

    /// <summary>The reason when a rule's condition did not compile (the call is denied: policies fail closed).</summary>
    public static string CompilationFailed(string rule, string error) => $"Policy compilation failed for {rule}: {error}";

    /// <summary>The reason of a <c>warn</c> decision.</summary>
    public static string OutputModified(string action) => "Output modified by " + action;
}
