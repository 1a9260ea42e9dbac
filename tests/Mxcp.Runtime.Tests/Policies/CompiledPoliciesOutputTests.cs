using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Runtime.Policies;
using static Mxcp.Runtime.Tests.Policies.PolicyTestData;

namespace Mxcp.Runtime.Tests.Policies;

public sealed class CompiledPoliciesOutputTests
{
    private static readonly TypeSchema EmployeeSchema = Obj(new Dictionary<string, TypeSchema>
    {
        ["name"] = Str(),
        ["salary"] = Int(sensitive: true),
        ["ssn"] = Str(sensitive: true),
    });

    private static CompiledPolicies Compile(TypeSchema? returnType, params PolicyRule[] output) =>
        CompiledPolicies.Compile(new PolicySet { Output = output }, returnType);

    private static JsonNode Employee() => JsonNode.Parse("""{"name": "Bob", "salary": 90000, "ssn": "123-45-6789"}""")!;

    [Fact]
    public void EvaluateOutput_NoPoliciesBlock_ReturnsResultUnchangedWithNullDecision()
    {
        var response = Employee();

        var result = CompiledPolicies.None.EvaluateOutput(response, PolicyUser.Anonymous);

        Assert.Null(result.Decision);
        Assert.Same(response, result.Response);
    }

    [Fact]
    public void EvaluateOutput_NoRuleMatches_AllowsWithOriginalResult()
    {
        var response = Employee();
        var policies = Compile(null, Filter("user.role == 'guest'", "salary"));

        var result = policies.EvaluateOutput(response, Caller("""{"role": "admin"}"""));

        Assert.Equal(PolicyDecision.Allow, result.Decision);
        Assert.Same(response, result.Response);
        Assert.Equal(["output[0]: user.role == 'guest'"], result.EvaluatedRules);
    }

    [Fact]
    public void EvaluateOutput_Deny_BlocksWithReasonOrDefault()
    {
        var withReason = Compile(null, Deny("response.salary > 50000", "Salary data is restricted")).EvaluateOutput(Employee(), PolicyUser.Anonymous);
        var withoutReason = Compile(null, Deny("true")).EvaluateOutput(Employee(), PolicyUser.Anonymous);

        Assert.Equal(PolicyDecision.Deny, withReason.Decision);
        Assert.Equal("Output policy enforcement failed: Salary data is restricted", withReason.ClientMessage);
        Assert.Null(withReason.Response);
        Assert.Equal("Output blocked by policy", withoutReason.Reason);
        Assert.Equal("Output policy enforcement failed: Output blocked by policy", withoutReason.ClientMessage);
    }

    [Fact]
    public void EvaluateOutput_FilterFields_WarnsAndLeavesOriginalUntouched()
    {
        var response = Employee();
        var policies = Compile(null, Filter("user.role != 'hr'", "salary", "ssn"));

        var result = policies.EvaluateOutput(response, Caller("""{"role": "user"}"""));

        Assert.Equal(PolicyDecision.Warn, result.Decision);
        Assert.Equal("Output modified by filter_fields", result.Reason);
        Assert.Equal("""{"name":"Bob"}""", result.Response!.ToJsonString());
        Assert.Equal("""{"name":"Bob","salary":90000,"ssn":"123-45-6789"}""", response.ToJsonString());
    }

    [Fact]
    public void EvaluateOutput_ActionsChainButConditionsSeeTheOriginal()
    {
        // The second condition reads response.ssn, which the first action already removed from the working copy.
        var policies = Compile(null, Filter("true", "ssn"), Mask("has(response.ssn)", "salary"));

        var result = policies.EvaluateOutput(Employee(), PolicyUser.Anonymous);

        Assert.Equal("""{"name":"Bob","salary":"****"}""", result.Response!.ToJsonString());
        Assert.Equal("Output modified by mask_fields", result.Reason);
        Assert.Equal(["output[0]: true", "output[1]: has(response.ssn)"], result.EvaluatedRules);
    }

    [Fact]
    public void EvaluateOutput_FilterSensitiveFields_UsesReturnSchema()
    {
        var policies = Compile(EmployeeSchema, FilterSensitive("user.role != 'hr'"));

        var filtered = policies.EvaluateOutput(Employee(), Caller("""{"role": "user"}"""));
        var hr = policies.EvaluateOutput(Employee(), Caller("""{"role": "hr"}"""));

        Assert.Equal("""{"name":"Bob"}""", filtered.Response!.ToJsonString());
        Assert.Equal("Output modified by filter_sensitive_fields", filtered.Reason);
        Assert.Equal("""{"name":"Bob","salary":90000,"ssn":"123-45-6789"}""", hr.Response!.ToJsonString());
        Assert.Equal(PolicyDecision.Allow, hr.Decision);
    }

    [Fact]
    public void EvaluateOutput_WithInputResult_CarriesDecisionAndRules()
    {
        var policies = CompiledPolicies.Compile(
            new PolicySet { Input = [Deny("user.role == 'guest'")], Output = [Mask("user.role != 'admin'", "ssn")] },
            returnType: null);
        var user = PolicyUser.From(User("""{"role": "user"}"""));

        var input = policies.EvaluateInput(Arguments("{}"), user);
        var output = policies.EvaluateOutput(Employee(), user, input);
        var unchanged = policies.EvaluateOutput(Employee(), PolicyUser.From(User("""{"role": "admin"}""")), input);

        Assert.Equal(["input[0]: user.role == 'guest'", "output[0]: user.role != 'admin'"], output.EvaluatedRules);
        Assert.Equal(PolicyDecision.Warn, output.Decision);
        Assert.Equal(PolicyDecision.Allow, unchanged.Decision);
        Assert.Null(unchanged.Reason);
    }

    [Fact]
    public void EvaluateOutput_EvaluationError_FailsClosedWithoutResultValues()
    {
        var policies = Compile(null, Filter("false", "x"), Deny("response.salary.startsWith('9')"));

        var result = policies.EvaluateOutput(Employee(), PolicyUser.Anonymous);

        Assert.Equal(PolicyDecision.Deny, result.Decision);
        Assert.Equal("Policy evaluation failed for output[1]: no such overload: startsWith(int, string)", result.Reason);
        Assert.Equal("Output policy enforcement failed: Policy evaluation failed for output[1]: no such overload: startsWith(int, string)", result.ClientMessage);
        Assert.DoesNotContain("90000", result.ClientMessage!, StringComparison.Ordinal);
        Assert.Null(result.Response);
    }

    [Fact]
    public void EvaluateOutput_MissingKeyOnUser_FailsClosed()
    {
        var result = Compile(null, Filter("user.department != 'finance'", "salary")).EvaluateOutput(Employee(), Caller("""{"role": "user", "department": "x"}"""));

        Assert.Equal("Policy evaluation failed for output[0]: no such key 'department'", result.Reason);
    }

    [Fact]
    public void EvaluateOutput_ListResult_ConditionsCanIterate()
    {
        var rows = JsonNode.Parse("""[{"id": 1, "owner": "alice", "ssn": "1"}, {"id": 2, "owner": "bob", "ssn": "2"}]""")!;
        var policies = Compile(null,
            Deny("response.exists(r, r.owner != user.username) && user.role != 'admin'", "Only your own rows"),
            Mask("true", "ssn"));

        var denied = policies.EvaluateOutput(rows, Caller("""{"role": "user"}"""));
        var admin = policies.EvaluateOutput(rows, Caller("""{"role": "admin"}"""));

        Assert.Equal("Only your own rows", denied.Reason);
        Assert.Equal("""[{"id":1,"owner":"alice","ssn":"****"},{"id":2,"owner":"bob","ssn":"****"}]""", admin.Response!.ToJsonString());
    }

    [Fact]
    public void Compile_OutputRuleUsingInputVariable_IsCompileError()
    {
        var policies = Compile(null, Deny("employee_id == 'x'"));

        var diagnostic = Assert.Single(policies.Diagnostics);
        Assert.Equal("output[0]: line 1, column 1: undeclared reference to 'employee_id' (available variables: response, user)", diagnostic.ToString());
    }

    [Fact]
    public void Compile_UselessActions_Warn()
    {
        var policies = Compile(returnType: null, Filter("true"), FilterSensitive("true"));

        Assert.Equal(
            [
                "output[0]: warning: action 'filter_fields' lists no fields, so it changes nothing",
                "output[1]: warning: action 'filter_sensitive_fields' changes nothing: the return type marks no field sensitive",
            ],
            policies.Diagnostics.Select(d => d.ToString()));
        Assert.False(policies.HasErrors);
    }
}
