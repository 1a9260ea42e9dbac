using Mxcp.Abstractions;
using Mxcp.Runtime.Policies;
using static Mxcp.Runtime.Tests.Policies.PolicyTestData;

namespace Mxcp.Runtime.Tests.Policies;

public sealed class CompiledPoliciesInputTests
{
    private static CompiledPolicies Compile(params PolicyRule[] input) =>
        CompiledPolicies.Compile(new PolicySet { Input = input }, returnType: null);

    [Fact]
    public void EvaluateInput_NoPoliciesBlock_DecisionIsNull()
    {
        var result = CompiledPolicies.Compile(null, null).EvaluateInput(Arguments("{}"), PolicyUser.Anonymous);

        Assert.Null(result.Decision);
        Assert.Empty(result.EvaluatedRules);
        Assert.False(result.IsDenied);
    }

    [Fact]
    public void EvaluateInput_NoRuleMatches_AllowsAndListsEvaluatedRules()
    {
        var policies = Compile(Deny("user.role == 'guest'"), Deny("amount > 1000", "Amount too large"));

        var result = policies.EvaluateInput(Arguments("""{"amount": 10}"""), Caller("""{"role": "admin"}"""));

        Assert.Equal(PolicyDecision.Allow, result.Decision);
        Assert.Null(result.Reason);
        Assert.Equal(["input[0]: user.role == 'guest'", "input[1]: amount > 1000"], result.EvaluatedRules);
        Assert.Null(result.ClientMessage);
    }

    [Fact]
    public void EvaluateInput_FirstTrueDeny_DeniesWithReasonAndStops()
    {
        var policies = Compile(Deny("amount > 1000", "Amount too large"), Deny("true", "never reached"));

        var result = policies.EvaluateInput(Arguments("""{"amount": 5000}"""), PolicyUser.Anonymous);

        Assert.Equal(PolicyDecision.Deny, result.Decision);
        Assert.Equal("Amount too large", result.Reason);
        Assert.Equal("input[0]", result.DeniedBy);
        Assert.Equal("Policy enforcement failed: Amount too large", result.ClientMessage);
        Assert.Equal(["input[0]: amount > 1000"], result.EvaluatedRules);
    }

    [Fact]
    public void EvaluateInput_DenyWithoutReason_UsesDefaultReason()
    {
        var result = Compile(Deny("true")).EvaluateInput(Arguments("{}"), PolicyUser.Anonymous);

        Assert.Equal("Access denied by policy", result.Reason);
        Assert.Equal("Policy enforcement failed: Access denied by policy", result.ClientMessage);
    }

    [Fact]
    public void EvaluateInput_ArgumentsAreTopLevelVariables()
    {
        var policies = Compile(Deny("region != 'eu' && !('export' in user.permissions)", "Only EU data"));

        var allowed = policies.EvaluateInput(Arguments("""{"region": "eu"}"""), Caller("""{"permissions": []}"""));
        var denied = policies.EvaluateInput(Arguments("""{"region": "us"}"""), Caller("""{"permissions": ["read"]}"""));
        var exporter = policies.EvaluateInput(Arguments("""{"region": "us"}"""), Caller("""{"permissions": ["export"]}"""));

        Assert.False(allowed.IsDenied);
        Assert.True(denied.IsDenied);
        Assert.False(exporter.IsDenied);
    }

    [Fact]
    public void EvaluateInput_ParameterNamedUser_UserVariableWins()
    {
        var policies = CompiledPolicies.Compile(new PolicySet { Input = [Deny("user.role != 'admin'")] }, null, ["user"]);

        var result = policies.EvaluateInput(Arguments("""{"user": {"role": "admin"}}"""), Caller("""{"role": "viewer"}"""));

        Assert.True(result.IsDenied);
        Assert.Contains(policies.Diagnostics, d => d.Severity == PolicyDiagnosticSeverity.Warning && d.Message.Contains("'user' is hidden", StringComparison.Ordinal));
    }

    [Fact]
    public void EvaluateInput_AnonymousUser_HasAnonymousRole()
    {
        var result = Compile(Deny("user.role == 'anonymous' && user.user_id == null", "Login required")).EvaluateInput(Arguments("{}"), PolicyUser.Anonymous);

        Assert.Equal("Login required", result.Reason);
    }

    [Fact]
    public void EvaluateInput_MissingKey_FailsClosedNamingRuleAndKey()
    {
        var policies = Compile(Deny("false"), Deny("user.customer_id != customer_id", "Not your data"));

        var result = policies.EvaluateInput(Arguments("""{"customer_id": "c-42"}"""), Caller("""{"role": "user"}"""));

        Assert.Equal(PolicyDecision.Deny, result.Decision);
        Assert.Equal("Policy evaluation failed for input[1]: no such key 'customer_id'", result.Reason);
        Assert.Equal("Policy enforcement failed: Policy evaluation failed for input[1]: no such key 'customer_id'", result.ClientMessage);
        Assert.Equal("input[1]", result.DeniedBy);
    }

    [Fact]
    public void EvaluateInput_TypeError_FailsClosed()
    {
        var result = Compile(Deny("amount > 1000")).EvaluateInput(Arguments("""{"amount": "lots"}"""), PolicyUser.Anonymous);

        Assert.Equal("Policy evaluation failed for input[0]: no such overload: _>_(string, int)", result.Reason);
    }

    [Fact]
    public void EvaluateInput_NonBoolResult_FailsClosed()
    {
        var result = Compile(Deny("user.permissions")).EvaluateInput(Arguments("{}"), Caller("""{"permissions": ["a"]}"""));

        Assert.Equal("Policy evaluation failed for input[0]: the condition evaluated to list, not bool", result.Reason);
    }

    [Fact]
    public void EvaluateInput_UnboundArgument_FailsClosed()
    {
        var result = Compile(Deny("region == 'us'")).EvaluateInput(Arguments("{}"), PolicyUser.Anonymous);

        Assert.Equal("Policy evaluation failed for input[0]: undeclared reference to 'region'", result.Reason);
    }

    [Fact]
    public void EvaluateInput_DeclaredParameterNotPassed_IsNull()
    {
        var policies = CompiledPolicies.Compile(new PolicySet { Input = [Deny("region != null && region == 'us'")] }, null, ["region"]);

        Assert.False(policies.EvaluateInput(Arguments("{}"), PolicyUser.Anonymous).IsDenied);
        Assert.True(policies.EvaluateInput(Arguments("""{"region": "us"}"""), PolicyUser.Anonymous).IsDenied);
    }

    [Theory]
    [InlineData("ssn.matches(pattern)", "invalid or unsupported regular expression")]
    [InlineData("int(ssn) > 0", "int() conversion error: the string is not a decimal integer in range")]
    [InlineData("lookup[ssn] == 1", "no such key (of type string)")]
    [InlineData("ssn + 1 == 2", "no such overload: _+_(string, int)")]
    [InlineData("ssn", "the condition evaluated to string, not bool")]
    [InlineData("nested.items[size(ssn)] == ssn", "list index out of range")]
    [InlineData("user.email.startsWith(ssn) || user.profile == ssn", "no such key 'profile'")]
    public void EvaluateInput_Failure_ReasonNamesErrorButNoValues(string condition, string error)
    {
        const string Secret = "s3cr3t-value-9f1c";
        var arguments = Arguments($$$"""{"ssn": "{{{Secret}}}", "pattern": "({{{Secret}}}", "lookup": {"a": 1}, "nested": {"items": ["{{{Secret}}}"]}}""");

        var result = Compile(Deny(condition)).EvaluateInput(arguments, Caller("""{"role": "x"}"""));

        Assert.Equal("Policy evaluation failed for input[0]: " + error, result.Reason);
        Assert.DoesNotContain(Secret, result.ClientMessage!, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", result.ClientMessage!, StringComparison.Ordinal);
    }

    [Fact]
    public void EvaluateInput_UnreadableArguments_FailsClosed()
    {
        IReadOnlyDictionary<string, System.Text.Json.JsonElement> arguments;
        using (var document = System.Text.Json.JsonDocument.Parse("""{"amount": 1}"""))
        {
            arguments = new Dictionary<string, System.Text.Json.JsonElement> { ["amount"] = document.RootElement.GetProperty("amount") };
        }

        var result = Compile(Deny("amount > 10")).EvaluateInput(arguments, PolicyUser.Anonymous);

        Assert.True(result.IsDenied);
        Assert.Equal("Policy evaluation failed for input[0]: the arguments could not be read (ObjectDisposedException)", result.Reason);
    }

    [Fact]
    public void EvaluateInput_DataUnreadableDuringEvaluation_FailsClosed()
    {
        // The user's permissions are read lazily from the profile document, which is gone by the time the rule runs.
        var document = System.Text.Json.JsonDocument.Parse("""{"role": "user", "permissions": ["read"]}""");
        var user = PolicyUser.From(new UserContext { Provider = "test", RawProfile = document.RootElement });
        document.Dispose();

        var result = Compile(Deny("!('read' in user.permissions)")).EvaluateInput(Arguments("{}"), user);

        Assert.True(result.IsDenied);
        Assert.Equal("Policy evaluation failed for input[0]: evaluation failed (ObjectDisposedException)", result.Reason);
    }

    [Fact]
    public void EvaluateInput_NonDenyActions_AreIgnoredWithWarning()
    {
        var policies = Compile(Mask("true", "ssn"), Deny("false"));

        var result = policies.EvaluateInput(Arguments("{}"), PolicyUser.Anonymous);

        Assert.Equal(PolicyDecision.Allow, result.Decision);
        Assert.Equal(["input[1]: false"], result.EvaluatedRules);
        var warning = Assert.Single(policies.Diagnostics);
        Assert.Equal("input[0]: warning: action 'mask_fields' has no effect on input policies (only deny does); the rule is ignored", warning.ToString());
    }

    [Fact]
    public void Compile_SyntaxAndUnsupportedErrors_NameRuleLineAndColumn()
    {
        var policies = Compile(Deny("user.role == 'admin'"), Deny("user.role = 'x'"), Deny("timestamp(x) > 0"));

        Assert.True(policies.HasErrors);
        Assert.Equal(
            [
                "input[1]: line 1, column 11: unexpected '='; use '==' to compare",
                "input[2]: line 1, column 1: unsupported: timestamp() is not available in Mxcp policies (timestamps and durations are not supported)",
            ],
            policies.Diagnostics.Select(d => d.ToString()));
    }

    [Fact]
    public void Compile_UnknownVariableWithKnownParameters_IsCompileError()
    {
        var policies = CompiledPolicies.Compile(new PolicySet { Input = [Deny("amout > 10")] }, null, ["amount"]);

        var diagnostic = Assert.Single(policies.Diagnostics);
        Assert.Equal("input[0]: line 1, column 1: undeclared reference to 'amout' (available variables: amount, user)", diagnostic.ToString());
    }

    [Fact]
    public void EvaluateInput_RuleThatDidNotCompile_DeniesEveryCall()
    {
        var policies = Compile(Deny("user.role == "));

        var result = policies.EvaluateInput(Arguments("{}"), PolicyUser.Anonymous);

        Assert.True(result.IsDenied);
        Assert.Equal("Policy compilation failed for input[0]: line 1, column 14: unexpected end of expression, expected an expression", result.Reason);
    }

    [Fact]
    public void Compile_FromEndpointDefinition_UsesParametersAndReturnType()
    {
        var endpoint = new EndpointDefinition
        {
            Kind = EndpointKind.Tool,
            Name = "employee_info",
            Parameters = [new ParameterDefinition("employee_id", Str())],
            Policies = new PolicySet { Input = [Deny("employee_id == 'ceo' && user.role != 'admin'")] },
        };

        var policies = CompiledPolicies.Compile(endpoint);

        Assert.Empty(policies.Diagnostics);
        Assert.True(policies.EvaluateInput(Arguments("""{"employee_id": "ceo"}"""), Caller("""{}""")).IsDenied);
    }
}
