using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Policies;

/// <summary>
/// Reads a <c>policies</c> block that a plugin found in its configuration: the endpoint-file reader reads the rules and
/// the compiler checks their conditions, so plugins' policies are held to the same rules as endpoint files'.
/// </summary>
internal sealed class PolicyReader : IPolicyReader
{
    public PolicySet Read(JsonElement policies, ICollection<ConfigProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        PolicySet set;
        try
        {
            set = EndpointFileReader.ReadPolicySet(YamlMappingReader.From(YamlJson.FromElement(policies), "policies", ""));
        }
        catch (ProjectFileException e)
        {
            problems.Add(new ConfigProblem(e.KeyPath ?? "", e.Detail));
            return new PolicySet();
        }

        // Without the endpoint at hand, conditions are checked for syntax and functions; any argument name is allowed.
        foreach (var diagnostic in CompiledPolicies.Compile(set, returnType: null).Diagnostics.Where(d => d.Severity == PolicyDiagnosticSeverity.Error))
        {
            var path = diagnostic.Line > 0 ? diagnostic.Rule + ".condition" : diagnostic.Rule;
            var message = diagnostic.Line > 0 ? $"line {diagnostic.Line}, column {diagnostic.Column}: {diagnostic.Message}" : diagnostic.Message;
            problems.Add(new ConfigProblem(path, message));
        }

        return set;
    }
}
