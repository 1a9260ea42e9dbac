using Mxcp.Runtime.Policies.Cel;

namespace Mxcp.Runtime.Tests.Policies.Cel;

/// <summary>
/// Runs the cel-spec "simple" conformance cases (testdata/, Apache-2.0, see testdata/README.md), one test per case.
/// Skipped cases follow the rules documented on <see cref="CelConformanceSuite"/>.
/// </summary>
public sealed class CelConformanceTests
{
    public static IEnumerable<TheoryDataRow<string>> Cases() =>
        CelConformanceSuite.Cases.Values.Select(c => new TheoryDataRow<string>(c.Id)
        {
            Skip = c.SkipReason,
            TestDisplayName = "CEL conformance " + c.Id,
        });

    public static IEnumerable<TheoryDataRow<string>> UnofferedExtensionCases() =>
        CelConformanceSuite.Cases.Values
            .Where(c => c.SkippedAsUnofferedExtension)
            .Select(c => new TheoryDataRow<string>(c.Id) { TestDisplayName = "CEL not offered, rejected at compile time: " + c.Id });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Conformance_Case_MatchesExpectedResult(string id)
    {
        var test = CelConformanceSuite.Cases[id];
        var options = new CelCompileOptions
        {
            Container = test.Container,
            // Cases with disable_check run without a type checker, where an unknown function is an evaluation error.
            AllowUnknownFunctions = test.DisableCheck,
        };
        var activation = new CelActivation();
        foreach (var binding in test.Bindings.EnumerateObject())
        {
            activation.Set(binding.Name, CelConformanceSuite.ToCel(binding.Value));
        }

        if (!CelProgram.TryCompile(test.Expression, options, out var program, out var diagnostics))
        {
            Assert.True(test.ExpectError, $"'{test.Expression}' did not compile: {string.Join("; ", diagnostics)}");
            return;
        }

        var result = program.Evaluate(activation);
        if (test.ExpectError)
        {
            Assert.True(result.IsError, $"'{test.Expression}' should fail but gave {result}");
            return;
        }

        Assert.False(result.IsError, $"'{test.Expression}' failed: {(result.IsError ? result.AsError.Message : "")}");
        var expected = CelConformanceSuite.ToCel(test.Expected);
        Assert.True(CelConformanceSuite.SameValue(expected, result), $"'{test.Expression}': expected {expected}, got {result}");
    }

    [Theory]
    [MemberData(nameof(UnofferedExtensionCases))]
    public void UnofferedExtension_Compile_RejectedWithDiagnostic(string id)
    {
        var test = CelConformanceSuite.Cases[id];

        var compiled = CelProgram.TryCompile(test.Expression, new CelCompileOptions { Container = test.Container }, out _, out var diagnostics);

        Assert.False(compiled, $"'{test.Expression}' compiled although its extension is not offered");
        Assert.Contains(diagnostics, d => d.Message.StartsWith("unsupported:", StringComparison.Ordinal) || d.Message.StartsWith("unknown function", StringComparison.Ordinal));
    }
}
