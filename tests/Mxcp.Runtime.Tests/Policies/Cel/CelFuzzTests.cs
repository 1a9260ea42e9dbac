using System.Text.Json;
using CsCheck;
using Mxcp.Runtime.Policies.Cel;
using Mxcp.Runtime.Tests.TestSupport;

namespace Mxcp.Runtime.Tests.Policies.Cel;

/// <summary>
/// Property tests: random CEL expressions (valid ones built from the grammar, and arbitrary text) compile to a program
/// or to diagnostics, and every program evaluates to a value or an error within the cost limit; nothing throws.
/// </summary>
public sealed class CelFuzzTests
{
    private static readonly Gen<string> Leaf = Gen.OneOf(
        "1", "-1", "0u", "2.5", "1e300", "'a'", "\"long\"", "b'x'", "true", "false", "null", "[]", "{}", "x", "y",
        "ids", "s", "user", "user.role", "user.tags", "m", "m.k", "m['k']", "ids[0]", "9223372036854775807", "-9223372036854775808");

    private static readonly Gen<string> Expression = Gen.Recursive<string>((depth, self) => depth >= 5
        ? Leaf
        : Gen.Frequency(
            (4, Leaf),
            (3, Gen.Select(self, Gen.OneOf("+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||", "in"), self, (a, op, b) => $"{a} {op} {b}")),
            (1, self.Select(a => "!" + a)),
            (1, self.Select(a => "-" + a)),
            (1, self.Select(a => "(" + a + ")")),
            (1, Gen.Select(self, self, self, (c, a, b) => $"{c} ? {a} : {b}")),
            (2, Gen.Select(Gen.OneOf("ids", "user.tags", "m", "[1, 2, 3]", "s.split('')"), Gen.OneOf("all", "exists", "exists_one", "map", "filter"), self,
                (range, macro, body) => $"{range}.{macro}(x, {body})")),
            (1, Gen.Select(self, Gen.OneOf("size()", "contains('a')", "startsWith(s)", "matches('^(a|b)*$')", "split(',')", "lowerAscii()", "replace('a', s)", "join(s)", "charAt(0)", "indexOf('a')", "substring(1)", "trim()", "reverse()"),
                (a, call) => a + "." + call)),
            (1, Gen.Select(Gen.OneOf("size", "int", "uint", "double", "string", "bytes", "bool", "dyn", "has", "timestamp", "nope"), self, (f, a) => f + "(" + a + ")")),
            (1, self.Array[0, 3].Select(items => "[" + string.Join(", ", items) + "]")),
            (1, Gen.Select(self, self, (k, v) => "{" + k + ": " + v + "}"))));

    private static readonly Gen<string> Garbage = Gen.String[Gen.Char["abxy.()[]{}!=<>&|+-*/%?:,'\"`\\ 0123456789u_"], 0, 60];

    [Fact]
    public void CompileAndEvaluate_RandomExpressions_GiveAValueOrAnErrorWithinTheBudget()
    {
        var activation = new CelActivation()
            .Set("ids", JsonDocument.Parse(JsonSerializer.Serialize(Enumerable.Range(0, 300))).RootElement)
            .Set("s", CelValue.String(new string('a', 2_000)))
            .Set("user", JsonDocument.Parse("""{"role": "admin", "tags": ["a", "b"], "n": 3}""").RootElement)
            .Set("m", JsonDocument.Parse("""{"k": [1, 2], "z": {"y": null}}""").RootElement)
            .Set("x", CelValue.Int(3));
        var budget = new CelBudget(50_000, TestContext.Current.CancellationToken);

        Gen.Frequency((5, Expression), (1, Garbage)).Sample(
            source =>
            {
                if (!CelProgram.TryCompile(source, new CelCompileOptions { AllowUnknownFunctions = true }, out var program, out var diagnostics))
                {
                    Assert.NotEmpty(diagnostics);
                    Assert.All(diagnostics, d => Assert.True(d.Line >= 1 && d.Column >= 1 && d.Message.Length > 0));
                    return;
                }

                var value = program.Evaluate(activation, budget);
                Assert.True(value.Kind is >= CelKind.Null and <= CelKind.Error);
            },
            iter: HostileInput.Iterations * 10,
            threads: 1);
    }

    [Theory]
    [InlineData("ids.all(a, ids.all(b, ids.all(c, true)))")]
    [InlineData("ids.map(a, ids.map(b, ids.map(c, c))).size() > 0")]
    [InlineData("ids.exists(a, ids.filter(b, s.contains(string(b))).size() < 0)")]
    [InlineData("ids.all(a, s.split('').size() > 0)")]
    public void Evaluate_NestedComprehensions_StopAtTheLimit(string expression)
    {
        var activation = new CelActivation()
            .Set("ids", JsonDocument.Parse(JsonSerializer.Serialize(Enumerable.Range(0, 1_000))).RootElement)
            .Set("s", CelValue.String(new string('a', 50_000)));

        var result = CelProgram.Compile(expression).Evaluate(activation);

        Assert.True(result.IsError, expression);
        Assert.True(result.AsError.CostLimitExceeded, result.AsError.Message);
    }
}
