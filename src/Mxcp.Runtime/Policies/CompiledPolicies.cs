using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Runtime.Policies.Cel;

namespace Mxcp.Runtime.Policies;

/// <summary>
/// The input and output policies of one endpoint, compiled once per project snapshot and shared by every call
/// (CEL conditions and their actions). Evaluation is thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// Policies fail closed: if a condition cannot be evaluated (a missing key such as <c>user.customer_id</c>, a type
/// error, a result that is not a bool) the call is denied, and the reason names the rule and the error
/// (<c>Policy evaluation failed for input[1]: no such key 'customer_id'</c>). Reasons never contain argument or
/// result values. A rule that did not compile denies every call the same way.
/// </para>
/// <para>
/// Input rules see every raw argument as a top-level variable, plus <c>user</c> (which wins over a parameter named
/// <c>user</c>). Only <c>deny</c> means something on input rules: rules with other actions are not evaluated and
/// <see cref="Compile(PolicySet?, TypeSchema?, IReadOnlyCollection{string}?)"/> warns about them. Output rules see
/// <c>user</c> and <c>response</c>; <c>response</c> is always the original result, while the actions apply one after
/// the other to a copy.
/// </para>
/// </remarks>
internal sealed class CompiledPolicies
{
    private static readonly IReadOnlySet<string> OutputVariables = new HashSet<string>(StringComparer.Ordinal) { "user", "response" };

    private readonly CompiledRule[] _input;
    private readonly CompiledRule[] _output;
    private readonly TypeSchema? _returnType;
    private readonly string[] _parameterNames;

    private CompiledPolicies(bool hasPolicies, CompiledRule[] input, CompiledRule[] output, TypeSchema? returnType, string[] parameterNames, IReadOnlyList<PolicyDiagnostic> diagnostics)
    {
        HasPolicies = hasPolicies;
        _input = input;
        _output = output;
        _returnType = returnType;
        _parameterNames = parameterNames;
        Diagnostics = diagnostics;
    }

    /// <summary>An endpoint without a <c>policies</c> block: nothing is evaluated and the decision is <see langword="null"/>.</summary>
    public static CompiledPolicies None { get; } = new(false, [], [], null, [], []);

    /// <summary>Whether the endpoint has a <c>policies</c> block.</summary>
    public bool HasPolicies { get; }

    /// <summary>Whether an output rule reads the result.</summary>
    public bool HasOutputRules => _output.Length > 0;

    /// <summary>Compile errors and warnings, for <c>mxcp validate</c>.</summary>
    public IReadOnlyList<PolicyDiagnostic> Diagnostics { get; }

    /// <summary>Whether a rule failed to compile (such rules deny every call).</summary>
    public bool HasErrors => Diagnostics.Any(d => d.Severity == PolicyDiagnosticSeverity.Error);

    /// <summary>Compiles the policies of an endpoint, with its parameters and return type.</summary>
    public static CompiledPolicies Compile(EndpointDefinition endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        // An endpoint with a verbatim input schema and no declared parameters names its arguments in the schema.
        var names = endpoint.Parameters.Count == 0 && endpoint.InputSchema is { } schema
            ? SchemaPropertyNames(schema)
            : endpoint.Parameters.Select(p => p.Name).ToArray();
        return Compile(endpoint.Policies, endpoint.Return, names);
    }

    private static string[]? SchemaPropertyNames(System.Text.Json.JsonElement schema) =>
        schema.ValueKind == System.Text.Json.JsonValueKind.Object && schema.TryGetProperty("properties", out var properties)
            && properties.ValueKind == System.Text.Json.JsonValueKind.Object
            ? properties.EnumerateObject().Select(p => p.Name).ToArray()
            : null;

    /// <summary>
    /// Compiles a policy set. Never throws for bad rules: problems are in <see cref="Diagnostics"/>.
    /// </summary>
    /// <param name="policies">The policies; <see langword="null"/> when the endpoint has no <c>policies</c> block.</param>
    /// <param name="returnType">The endpoint's return type, which drives <c>filter_sensitive_fields</c>.</param>
    /// <param name="parameterNames">
    /// The endpoint's parameters, when known. Input conditions may then only name these and <c>user</c> (anything
    /// else is a compile error), and a declared parameter missing from the arguments is <c>null</c> rather than an
    /// unbound variable.
    /// </param>
    public static CompiledPolicies Compile(PolicySet? policies, TypeSchema? returnType, IReadOnlyCollection<string>? parameterNames = null)
    {
        if (policies is null)
        {
            return None;
        }

        var diagnostics = new List<PolicyDiagnostic>();
        IReadOnlySet<string>? inputVariables = null;
        if (parameterNames is not null)
        {
            inputVariables = new HashSet<string>(parameterNames, StringComparer.Ordinal) { "user" };
            if (parameterNames.Contains("user") && policies.Input.Count > 0)
            {
                diagnostics.Add(new PolicyDiagnostic("input", 0, 0,
                    "the parameter 'user' is hidden by the user variable in input policies", PolicyDiagnosticSeverity.Warning));
            }
        }

        var input = new List<CompiledRule>();
        for (var i = 0; i < policies.Input.Count; i++)
        {
            var rule = policies.Input[i];
            var id = $"input[{i}]";
            if (rule.Action != PolicyAction.Deny)
            {
                diagnostics.Add(new PolicyDiagnostic(id, 0, 0,
                    $"action '{ActionName(rule.Action)}' has no effect on input policies (only deny does); the rule is ignored",
                    PolicyDiagnosticSeverity.Warning));
                continue;
            }

            input.Add(CompileRule(id, rule, new CelCompileOptions { DeclaredVariables = inputVariables }, diagnostics));
        }

        var output = new CompiledRule[policies.Output.Count];
        for (var i = 0; i < output.Length; i++)
        {
            var rule = policies.Output[i];
            var id = $"output[{i}]";
            output[i] = CompileRule(id, rule, new CelCompileOptions { DeclaredVariables = OutputVariables }, diagnostics);
            switch (rule.Action)
            {
                case PolicyAction.FilterFields or PolicyAction.MaskFields when rule.Fields.Count == 0:
                    diagnostics.Add(new PolicyDiagnostic(id, 0, 0,
                        $"action '{ActionName(rule.Action)}' lists no fields, so it changes nothing", PolicyDiagnosticSeverity.Warning));
                    break;
                case PolicyAction.FilterSensitiveFields when !PolicyActions.DeclaresSensitiveData(returnType):
                    diagnostics.Add(new PolicyDiagnostic(id, 0, 0,
                        "action 'filter_sensitive_fields' changes nothing: the return type marks no field sensitive", PolicyDiagnosticSeverity.Warning));
                    break;
            }
        }

        return new CompiledPolicies(true, [.. input], output, returnType, parameterNames?.ToArray() ?? [], diagnostics);
    }

    private static CompiledRule CompileRule(string id, PolicyRule rule, CelCompileOptions options, List<PolicyDiagnostic> diagnostics)
    {
        if (CelProgram.TryCompile(rule.Condition ?? "", options, out var program, out var errors))
        {
            return new CompiledRule(id, rule, program, null);
        }

        foreach (var error in errors)
        {
            diagnostics.Add(new PolicyDiagnostic(id, error.Line, error.Column, error.Message, PolicyDiagnosticSeverity.Error));
        }

        return new CompiledRule(id, rule, null, errors[0].ToString());
    }

    /// <summary>The YAML name of an action.</summary>
    public static string ActionName(PolicyAction action) => action switch
    {
        PolicyAction.Deny => "deny",
        PolicyAction.FilterFields => "filter_fields",
        PolicyAction.MaskFields => "mask_fields",
        _ => "filter_sensitive_fields",
    };

    /// <summary>
    /// Evaluates the input rules over the raw arguments (before defaults and conversion). The first rule whose
    /// condition is true denies the call, with its <c>reason</c> or <c>Access denied by policy</c>.
    /// </summary>
    /// <param name="rawArguments">The arguments as the client sent them.</param>
    /// <param name="user">The call's user, built once per call with <see cref="PolicyUser.From"/>.</param>
    public PolicyResult EvaluateInput(IReadOnlyDictionary<string, JsonElement> rawArguments, PolicyUser user) =>
        EvaluateInput(rawArguments, user, CelBudget.Default);

    /// <summary>Evaluates the input rules within a budget per rule: past its cost limit a rule denies the call.</summary>
    /// <exception cref="OperationCanceledException">The budget's token was cancelled.</exception>
    public PolicyResult EvaluateInput(IReadOnlyDictionary<string, JsonElement> rawArguments, PolicyUser user, CelBudget budget)
    {
        ArgumentNullException.ThrowIfNull(rawArguments);
        ArgumentNullException.ThrowIfNull(user);
        if (!HasPolicies)
        {
            return PolicyResult.NoPolicies();
        }

        var evaluated = new List<string>(_input.Length);
        if (_input.Length == 0)
        {
            return PolicyResult.Allowed(evaluated, PolicyDecision.Allow, null, null);
        }

        var activation = new CelActivation(rawArguments.Count + _parameterNames.Length + 1);
        try
        {
            foreach (var name in _parameterNames)
            {
                activation.Set(name, CelValue.Null);
            }

            foreach (var (name, value) in rawArguments)
            {
                if (!string.IsNullOrEmpty(name))
                {
                    activation.Set(name, value);
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // Unreadable argument data (e.g. a disposed JsonDocument) must deny, not escape: policies fail closed.
            var first = _input[0];
            evaluated.Add(first.Description);
            return PolicyResult.InputDenied(evaluated, first.Id,
                PolicyMessages.EvaluationFailed(first.Id, $"the arguments could not be read ({e.GetType().Name})"));
        }

        activation.Set("user", user.Value);
        foreach (var rule in _input)
        {
            evaluated.Add(rule.Description);
            var (matched, failure) = rule.Evaluate(activation, budget);
            if (failure is not null)
            {
                return PolicyResult.InputDenied(evaluated, rule.Id, failure);
            }

            if (matched)
            {
                return PolicyResult.InputDenied(evaluated, rule.Id, rule.Rule.Reason ?? PolicyMessages.DefaultInputDenyReason);
            }
        }

        return PolicyResult.Allowed(evaluated, PolicyDecision.Allow, null, null);
    }

    /// <summary>
    /// Evaluates the output rules over the shaped result. Every condition sees the original result; the actions of
    /// matching rules apply in order to a copy, which is returned in <see cref="PolicyResult.Response"/> (the input
    /// <paramref name="response"/> is never changed). A <c>deny</c> stops with its <c>reason</c> or
    /// <c>Output blocked by policy</c>. When a filter or mask action applied, the decision is <c>warn</c> with
    /// <c>Output modified by &lt;last action&gt;</c>; otherwise the decision of <paramref name="inputResult"/> carries
    /// over (or <c>allow</c>). The evaluated rules include those of <paramref name="inputResult"/>.
    /// </summary>
    public PolicyResult EvaluateOutput(JsonNode? response, PolicyUser user, PolicyResult? inputResult = null) =>
        EvaluateOutput(response, user, inputResult, CelBudget.Default);

    /// <summary>Evaluates the output rules within a budget per rule: past its cost limit a rule denies the call.</summary>
    /// <exception cref="OperationCanceledException">The budget's token was cancelled.</exception>
    public PolicyResult EvaluateOutput(JsonNode? response, PolicyUser user, PolicyResult? inputResult, CelBudget budget)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!HasPolicies)
        {
            return PolicyResult.NoPolicies(response);
        }

        var evaluated = new List<string>((inputResult?.EvaluatedRules.Count ?? 0) + _output.Length);
        if (inputResult is not null)
        {
            evaluated.AddRange(inputResult.EvaluatedRules);
        }

        var decision = inputResult?.Decision ?? PolicyDecision.Allow;
        if (_output.Length == 0)
        {
            return PolicyResult.Allowed(evaluated, decision, inputResult?.Reason, response);
        }

        var activation = new CelActivation(2).Set("user", user.Value);
        try
        {
            activation.Set("response", response);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            var first = _output[0];
            evaluated.Add(first.Description);
            return PolicyResult.OutputDenied(evaluated, first.Id,
                PolicyMessages.EvaluationFailed(first.Id, $"the result could not be read ({e.GetType().Name})"));
        }

        var working = response;
        var copied = false;
        string? lastAction = null;
        foreach (var rule in _output)
        {
            evaluated.Add(rule.Description);
            var (matched, failure) = rule.Evaluate(activation, budget);
            if (failure is not null)
            {
                return PolicyResult.OutputDenied(evaluated, rule.Id, failure);
            }

            if (!matched)
            {
                continue;
            }

            var action = rule.Rule.Action;
            if (action == PolicyAction.Deny)
            {
                return PolicyResult.OutputDenied(evaluated, rule.Id, rule.Rule.Reason ?? PolicyMessages.DefaultOutputDenyReason);
            }

            if (!copied)
            {
                working = working?.DeepClone();
                copied = true;
            }

            switch (action)
            {
                case PolicyAction.FilterFields:
                    PolicyActions.FilterFields(working, rule.Rule.Fields);
                    break;
                case PolicyAction.MaskFields:
                    PolicyActions.MaskFields(working, rule.Rule.Fields);
                    break;
                default:
                    working = PolicyActions.FilterSensitiveFields(working, _returnType);
                    break;
            }

            // As MXCP: an applied action counts as a modification, whether or not the result had those fields.
            lastAction = ActionName(action);
        }

        return lastAction is null
            ? PolicyResult.Allowed(evaluated, decision, inputResult?.Reason, working)
            : PolicyResult.Allowed(evaluated, PolicyDecision.Warn, PolicyMessages.OutputModified(lastAction), working);
    }

    private sealed class CompiledRule(string id, PolicyRule rule, CelProgram? program, string? compileError)
    {
        public string Id { get; } = id;

        public PolicyRule Rule { get; } = rule;

        public string Description { get; } = $"{id}: {rule.Condition}";

        /// <summary>Whether the condition holds, or why it could not be decided (the call is then denied).</summary>
        public (bool Matched, string? Failure) Evaluate(CelActivation activation, CelBudget budget)
        {
            if (program is null)
            {
                return (false, PolicyMessages.CompilationFailed(Id, compileError!));
            }

            var result = program.Evaluate(activation, budget);
            return result.Kind switch
            {
                CelKind.Bool => (result.AsBool, null),
                CelKind.Error when result.AsError.CostLimitExceeded => (false, PolicyMessages.CostLimitExceeded(Id, result.AsError.Message)),
                CelKind.Error => (false, PolicyMessages.EvaluationFailed(Id, result.AsError.Message)),
                _ => (false, PolicyMessages.EvaluationFailed(Id, $"the condition evaluated to {result.TypeName}, not bool")),
            };
        }
    }
}
