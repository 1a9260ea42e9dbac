using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Mxcp.Abstractions;
using Mxcp.Runtime.Endpoints;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Tests.TestSupport;
using Mxcp.Runtime.Types;

namespace Mxcp.Runtime.Tests.Types;

/// <summary>
/// Property tests of the type system: random parameter types (read from YAML, as a project declares them) against
/// random JSON arguments. Validation either converts the arguments or fails with an error naming the parameter, the
/// same way every time; the advertised input schema always serializes; accepted values round-trip to JSON.
/// </summary>
public sealed class ArgumentFuzzTests
{
    private static readonly Gen<string> Constraint = Gen.OneOf(
        "", ", minimum: 0", ", maximum: 10", ", minLength: 2", ", maxLength: 5", ", pattern: \"^[a-z]+$\"", ", format: email",
        ", format: date", ", format: date-time", ", format: time", ", format: duration", ", format: uri", ", format: timestamp",
        ", enum: [a, b, 1]", ", nullable: true", ", default: null", ", default: x", ", multipleOf: 0.5", ", exclusiveMinimum: 1",
        ", minItems: 1", ", maxItems: 2", ", uniqueItems: true", ", sensitive: true", ", additionalProperties: false");

    private static readonly Gen<string> Type = Gen.Recursive<string>((depth, self) =>
    {
        var scalar = Gen.Select(Gen.OneOf("string", "integer", "number", "boolean"), Constraint, (t, c) => "{type: " + t + c + "}");
        return depth >= 3
            ? scalar
            : Gen.Frequency(
                (4, scalar),
                (1, Gen.Select(self, Constraint, (items, c) => "{type: array, items: " + items + c + "}")),
                (1, Gen.Select(Gen.Select(Gen.OneOf("a", "b", "c"), self).Array[0, 3], Gen.Bool, Constraint, (props, required, c) =>
                    "{type: object, properties: {" + string.Join(", ", props.DistinctBy(p => p.Item1).Select(p => p.Item1 + ": " + p.Item2)) + "}"
                    + (required && props.Length > 0 ? ", required: [" + props[0].Item1 + "]" : "") + c + "}")));
    });

    [Fact]
    public void Validate_RandomTypesAndArguments_ConvertOrNameTheParameter()
    {
        using var project = new TempProject();
        var path = project.Write("tools/t.yml", "");
        var read = 0;

        Gen.Select(Type, Type, Gen.Select(Gen.OneOf("p", "q", "other"), HostileInput.Json).Array[0, 3]).Sample(
            (typeP, typeQ, arguments) =>
            {
                File.WriteAllText(path, $"mxcp: 1\ntool:\n  name: t\n  source: {{code: x}}\n  parameters:\n    - {{name: p, description: d, {typeP[1..^1]}}}\n    - {{name: q, description: d, {typeQ[1..^1]}}}\n");
                var file = EndpointDiscovery.ReadFile(path, "tools/t.yml", project.Root, EndpointKind.Tool);
                if (file.Definition is not { } definition || TypeSchemaChecker.CheckParameters(definition.Parameters).Count > 0)
                {
                    return;
                }

                read++;
                JsonSerializer.Serialize(JsonSchemaBuilder.BuildInputSchema(definition.Parameters));
                var raw = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                foreach (var (name, value) in arguments)
                {
                    raw[name] = JsonSerializer.SerializeToElement(value);
                }

                var first = Outcome(definition, raw);
                Assert.Equal(first, Outcome(definition, raw));
                Assert.True(first.StartsWith("ok", StringComparison.Ordinal)
                    || first.StartsWith("Required parameter missing: ", StringComparison.Ordinal)
                    || first.StartsWith("Unknown parameter: other", StringComparison.Ordinal)
                    || first.StartsWith("Error validating parameter 'p': ", StringComparison.Ordinal)
                    || first.StartsWith("Error validating parameter 'q': ", StringComparison.Ordinal), first);

                // An error never shows a value of a sensitive parameter once it leaves the pipeline.
                var sensitive = SensitiveText.OfArguments(definition.Parameters, raw);
                Assert.False(sensitive.Occurs(sensitive.Scrub(first)));
            },
            iter: HostileInput.Iterations * 2,
            threads: 1);

        Assert.True(read > 0, "some generated types were valid");
    }

    private static string Outcome(EndpointDefinition definition, Dictionary<string, JsonElement> raw)
    {
        try
        {
            var values = ArgumentValidator.Validate(definition.Parameters, raw);
            return "ok " + new JsonObject(values.Select(v => new KeyValuePair<string, JsonNode?>(v.Key, JsonValues.ToJsonNode(v.Value)))).ToJsonString();
        }
        catch (ArgumentValidationException e)
        {
            return e.Message;
        }
    }
}
