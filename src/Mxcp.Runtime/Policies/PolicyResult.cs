using System.Text.Json.Nodes;

namespace Mxcp.Runtime.Policies;

/// <summary>
/// The outcome of the input or output policies of a call: what the audit record and the spans need, the exact
/// client-facing error when denied, and (for output policies) the result after the actions.
/// </summary>
internal sealed class PolicyResult
{
    private PolicyResult(PolicyDecision? decision, string? reason, IReadOnlyList<string> evaluatedRules, string? deniedBy, string? clientMessage, JsonNode? response)
    {
        Decision = decision;
        Reason = reason;
        EvaluatedRules = evaluatedRules;
        DeniedBy = deniedBy;
        ClientMessage = clientMessage;
        Response = response;
    }

    /// <summary>The decision; <see langword="null"/> when the endpoint has no policies.</summary>
    public PolicyDecision? Decision { get; }

    /// <summary>The reason of a deny or warn decision. It never contains argument or result values.</summary>
    public string? Reason { get; }

    /// <summary>The rules evaluated, in order, as <c>input[i]: &lt;condition&gt;</c> and <c>output[i]: &lt;condition&gt;</c>.</summary>
    public IReadOnlyList<string> EvaluatedRules { get; }

    /// <summary>The rule that denied (<c>input[1]</c>), when denied.</summary>
    public string? DeniedBy { get; }

    /// <summary>Whether the call is denied.</summary>
    public bool IsDenied => Decision == PolicyDecision.Deny;

    /// <summary>
    /// When denied, the error for the client: <c>Policy enforcement failed: &lt;reason&gt;</c> for input rules,
    /// <c>Output policy enforcement failed: &lt;reason&gt;</c> for output rules.
    /// </summary>
    public string? ClientMessage { get; }

    /// <summary>
    /// For output policies, the result to return: the original when no action applied, otherwise a modified copy
    /// (<see langword="null"/> when denied, or when <c>filter_sensitive_fields</c> removed a sensitive root).
    /// </summary>
    public JsonNode? Response { get; }

    internal static PolicyResult NoPolicies(JsonNode? response = null) => new(null, null, [], null, null, response);

    internal static PolicyResult Allowed(IReadOnlyList<string> evaluated, PolicyDecision? decision, string? reason, JsonNode? response) =>
        new(decision, reason, evaluated, null, null, response);

    internal static PolicyResult InputDenied(IReadOnlyList<string> evaluated, string rule, string reason) =>
        new(PolicyDecision.Deny, reason, evaluated, rule, PolicyMessages.InputDenied(reason), null);

    internal static PolicyResult OutputDenied(IReadOnlyList<string> evaluated, string rule, string reason) =>
        new(PolicyDecision.Deny, reason, evaluated, rule, PolicyMessages.OutputDenied(reason), null);
}
