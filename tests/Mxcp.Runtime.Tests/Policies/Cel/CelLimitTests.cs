using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Runtime.Policies;
using Mxcp.Runtime.Policies.Cel;
using static Mxcp.Runtime.Tests.Policies.PolicyTestData;

namespace Mxcp.Runtime.Tests.Policies.Cel;

/// <summary>The bounds of CEL: a cost limit per evaluation, cancellation, and a depth limit on selection chains.</summary>
public sealed class CelLimitTests
{
    private static CelActivation Ids(int count) =>
        new CelActivation().Set("ids", JsonDocument.Parse(JsonSerializer.Serialize(Enumerable.Range(0, count))).RootElement);

    [Fact]
    public void Evaluate_QuadraticComprehension_StopsAtTheCostLimit()
    {
        var program = CelProgram.Compile("!ids.all(i, ids.exists_one(j, j == i))");

        var result = program.Evaluate(Ids(60_000));

        Assert.True(result.IsError);
        Assert.Equal("evaluation cost exceeded the limit of 1,000,000", result.AsError.Message);
        Assert.True(result.AsError.CostLimitExceeded);
    }

    [Fact]
    public void Evaluate_CostLimitExceeded_IsNotAbsorbedByOrAndOrMacros()
    {
        var activation = Ids(5_000);

        Assert.True(CelProgram.Compile("ids.all(i, ids.exists_one(j, j == i)) || true").Evaluate(activation).IsError);
        Assert.True(CelProgram.Compile("false && true || ids.exists(i, ids.filter(j, j > i).size() < 0)").Evaluate(activation).IsError);
        Assert.True(CelProgram.Compile("[1, 2].exists(x, ids.map(i, i * 2).size() == -1) || [1].all(x, x == 1)").Evaluate(activation, new CelBudget(5_000, default)).IsError);
    }

    [Fact]
    public void Evaluate_WithinTheLimit_GivesTheResult()
    {
        var program = CelProgram.Compile("ids.all(i, ids.exists_one(j, j == i))");

        Assert.True(program.Evaluate(Ids(300)).IsTrue);
        Assert.True(program.Evaluate(Ids(300), new CelBudget(300 * 300 * 2, default)).IsTrue);
        Assert.True(program.Evaluate(Ids(300), new CelBudget(300 * 300 / 2, default)).IsError);
    }

    [Theory]
    [InlineData("ids.map(i, s + s + s).size() > 0")]
    [InlineData("ids.exists(i, s.contains('needle'))")]
    [InlineData("ids.exists(i, s.matches('^(a|b)*c$'))")]
    [InlineData("ids.exists(i, big != ids2)")]
    [InlineData("ids.exists(i, i in ids2 && false)")]
    [InlineData("ids.exists(i, (ids2 + ids2).size() == 0)")]
    public void Evaluate_WorkOnLongStringsAndListsCounts(string expression)
    {
        var activation = Ids(2_000)
            .Set("s", CelValue.String(new string('a', 100_000)))
            .Set("ids2", JsonDocument.Parse(JsonSerializer.Serialize(Enumerable.Range(0, 100_000))).RootElement)
            .Set("big", JsonDocument.Parse(JsonSerializer.Serialize(Enumerable.Range(0, 100_000))).RootElement);

        var result = CelProgram.Compile(expression).Evaluate(activation);

        Assert.True(result.IsError, expression);
        Assert.True(result.AsError.CostLimitExceeded, result.AsError.Message);
    }

    [Fact]
    public void Evaluate_CancelledToken_StopsTheEvaluation()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var program = CelProgram.Compile("ids.all(i, ids.exists_one(j, j == i))");

        Assert.Throws<OperationCanceledException>(() => program.Evaluate(Ids(1_000), new CelBudget(long.MaxValue, cts.Token)));
    }

    [Fact]
    public void EvaluateInput_CostLimitExceeded_DeniesNamingTheRuleAndTheLimit()
    {
        var policies = CompiledPolicies.Compile(new PolicySet { Input = [Deny("false"), Deny("!ids.all(i, ids.exists_one(j, j == i))")] }, returnType: null);
        var ids = JsonSerializer.Serialize(Enumerable.Range(0, 60_000));

        var result = policies.EvaluateInput(Arguments($$"""{"ids": {{ids}}}"""), PolicyUser.Anonymous, new CelBudget(100_000, default));

        Assert.True(result.IsDenied);
        Assert.Equal("input[1]", result.DeniedBy);
        Assert.Equal(
            "Policy enforcement failed: Policy evaluation failed for input[1]: evaluation cost exceeded the limit of 100,000 (set MXCP_POLICY_COST_LIMIT to raise it)",
            result.ClientMessage);
    }

    [Fact]
    public void EvaluateOutput_CancelledToken_Throws()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var policies = CompiledPolicies.Compile(new PolicySet { Output = [Deny("response.all(i, response.exists_one(j, j == i))")] }, returnType: null);
        var response = System.Text.Json.Nodes.JsonNode.Parse(JsonSerializer.Serialize(Enumerable.Range(0, 2_000)));

        Assert.Throws<OperationCanceledException>(() => policies.EvaluateOutput(response, PolicyUser.Anonymous, null, new CelBudget(CelCost.DefaultLimit, cts.Token)));
    }

    [Fact]
    public void Compile_LongSelectionChain_IsRejectedWithAClearError()
    {
        var source = "user" + string.Concat(Enumerable.Repeat(".a", 20_000));

        Assert.False(CelProgram.TryCompile(source, null, out _, out var diagnostics));

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("more than 100 selections, indexes and calls in a row", diagnostic.Message);
        Assert.Equal(1, diagnostic.Line);
        Assert.Equal(4 + (100 * 2) + 1, diagnostic.Column);
    }

    [Theory]
    [InlineData(".a")]
    [InlineData("[0]")]
    [InlineData(".size()")]
    [InlineData(".`b-c`")]
    public void Compile_ChainAtTheLimit_Compiles(string link)
    {
        var source = "user" + string.Concat(Enumerable.Repeat(link, CelParser.MaxNesting));

        Assert.True(CelProgram.TryCompile(source, new CelCompileOptions { AllowUnknownFunctions = true }, out _, out var diagnostics), string.Join("; ", diagnostics));
    }
}
