using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Mxcp.Abstractions;
using Mxcp.Runtime.Policies;
using Mxcp.Runtime.Policies.Cel;

namespace Mxcp.Benchmarks;

/// <summary>
/// The cost of a typical policy rule next to a trivial expression (the baseline), of compiling it, and of a whole
/// input-policy check as the request pipeline runs it (activation from raw JSON arguments, one rule).
/// </summary>
[MemoryDiagnoser]
public class PolicyBenchmarks
{
    private const string TypicalRule = "user.role != 'admin' && !('hr' in user.permissions)";

    private CelProgram _trivial = null!;
    private CelProgram _typical = null!;
    private CelActivation _activation = null!;
    private CompiledPolicies _policies = null!;
    private PolicyUser _user = null!;
    private IReadOnlyDictionary<string, JsonElement> _arguments = null!;

    [GlobalSetup]
    public void Setup()
    {
        using var profile = JsonDocument.Parse("""{"role": "analyst", "permissions": ["read", "export", "reports"]}""");
        _user = PolicyUser.From(new UserContext
        {
            Provider = "oidc",
            UserId = "u-1",
            Username = "alice",
            RawProfile = profile.RootElement.Clone(),
            Capabilities = ["reports.read"],
        });
        _activation = new CelActivation().Set("user", _user.Value);
        _trivial = CelProgram.Compile("true");
        _typical = CelProgram.Compile(TypicalRule);
        _policies = CompiledPolicies.Compile(
            new PolicySet { Input = [new PolicyRule(TypicalRule + " && amount > 1000", PolicyAction.Deny, "Not allowed", [])] },
            returnType: null,
            parameterNames: ["amount", "region"]);
        using var arguments = JsonDocument.Parse("""{"amount": 5000, "region": "eu"}""");
        _arguments = arguments.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    }

    [Benchmark(Baseline = true)]
    public bool EvaluateTrivial() => _trivial.Evaluate(_activation).IsTrue;

    [Benchmark]
    public bool EvaluateTypicalRule() => _typical.Evaluate(_activation).IsTrue;

    [Benchmark]
    public bool EnforceInputPolicy() => _policies.EvaluateInput(_arguments, _user).IsDenied;

    [Benchmark]
    public object CompileTypicalRule() => CelProgram.Compile(TypicalRule);
}
