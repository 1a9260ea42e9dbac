namespace Mxcp.Runtime.Policies;

/// <summary>
/// The policy decision recorded for a call (audit <c>policy_decision</c>, span <c>mxcp.policy.decision</c>). A call of
/// an endpoint without a <c>policies</c> block has no decision (<see langword="null"/>).
/// </summary>
internal enum PolicyDecision
{
    /// <summary><c>allow</c>: the input rules ran and none denied.</summary>
    Allow,

    /// <summary><c>deny</c>: a rule denied the call, or a rule could not be evaluated (policies fail closed).</summary>
    Deny,

    /// <summary><c>warn</c>: an output rule's filter or mask action was applied to the result.</summary>
    Warn,
}

/// <summary>Wire names of <see cref="PolicyDecision"/>.</summary>
internal static class PolicyDecisionExtensions
{
    /// <summary><c>allow</c>, <c>deny</c> or <c>warn</c>, as MXCP writes them in audit records.</summary>
    public static string ToWireValue(this PolicyDecision decision) => decision switch
    {
        PolicyDecision.Allow => "allow",
        PolicyDecision.Deny => "deny",
        _ => "warn",
    };
}
