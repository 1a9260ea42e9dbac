using System.Text.Json;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Types;

/// <summary>
/// Finds the mistakes in a schema that would otherwise fail every call, so that <c>mxcp validate</c>, <c>lint</c>
/// and start-up report them with a field path: a <c>pattern</c> that does not compile, a <c>default</c> or an
/// <c>enum</c> value that does not fit the type, contradictory bounds, a <c>format</c> on a non-string.
/// </summary>
internal static class TypeSchemaChecker
{
    /// <summary>Checks every parameter; paths read <c>parameters.limit.default</c>.</summary>
    /// <returns>One message per problem, <c>&lt;path&gt;: &lt;problem&gt;</c>; empty when all is well.</returns>
    public static IReadOnlyList<string> CheckParameters(IReadOnlyList<ParameterDefinition> parameters)
    {
        var problems = new List<string>();
        foreach (var parameter in parameters)
        {
            Check(parameter.Schema, "parameters." + parameter.Name, problems);
        }

        return problems;
    }

    /// <summary>Checks one schema and everything below it.</summary>
    /// <param name="schema">The schema.</param>
    /// <param name="path">Where it is, e.g. <c>return</c>.</param>
    /// <returns>One message per problem, <c>&lt;path&gt;: &lt;problem&gt;</c>; empty when all is well.</returns>
    public static IReadOnlyList<string> Check(TypeSchema schema, string path)
    {
        var problems = new List<string>();
        Check(schema, path, problems);
        return problems;
    }

    private static void Check(TypeSchema schema, string path, List<string> problems)
    {
        if (schema.Format != SchemaFormat.None && schema.Type != SchemaType.String)
        {
            problems.Add(path + ".format: '" + SchemaText.FormatName(schema.Format) + "' applies only to strings");
        }

        if (schema.Pattern is { } pattern && CompiledSchema.TryCompilePattern(pattern, out var patternError) is null)
        {
            problems.Add(path + ".pattern: not a valid regular expression: " + patternError);
        }

        CheckRange(problems, path, "minLength", schema.MinLength, "maxLength", schema.MaxLength);
        CheckRange(problems, path, "minItems", schema.MinItems, "maxItems", schema.MaxItems);
        if (schema.Minimum is { } minimum && schema.Maximum is { } maximum && minimum > maximum)
        {
            problems.Add(path + ".minimum: " + SchemaText.Number(minimum) + " is greater than maximum " + SchemaText.Number(maximum));
        }

        if (schema.MultipleOf is { } divisor && !(divisor > 0 && double.IsFinite(divisor)))
        {
            problems.Add(path + ".multipleOf: must be greater than 0");
        }

        if (schema.Enum is { } values)
        {
            for (var i = 0; i < values.Count; i++)
            {
                CheckValue(values[i], schema, path + ".enum[" + i + "]", checkConstraints: false, problems);
            }
        }

        if (schema.Default is { } defaultValue)
        {
            CheckValue(defaultValue, schema, path + ".default", checkConstraints: true, problems);
        }

        if (schema.Items is { } items)
        {
            Check(items, path + ".items", problems);
        }

        if (schema.Properties is { } properties)
        {
            foreach (var (name, propertySchema) in properties)
            {
                Check(propertySchema, path + ".properties." + name, problems);
            }

            if (schema.Required is { } required)
            {
                foreach (var name in required)
                {
                    if (!properties.ContainsKey(name))
                    {
                        problems.Add(path + ".required: '" + name + "' is not a declared property");
                    }
                }
            }
        }
    }

    private static void CheckValue(JsonElement value, TypeSchema schema, string path, bool checkConstraints, List<string> problems)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            // default: null is how YAML makes a parameter optional; a null enum value needs nullable.
            if (checkConstraints || schema.Nullable)
            {
                return;
            }
        }

        if (!checkConstraints && schema.Type == SchemaType.String && value.ValueKind != JsonValueKind.String && value.ValueKind != JsonValueKind.Null)
        {
            // Inputs coerce 5 to "5", but an enum is advertised as written: a number in a string enum is a mistake.
            problems.Add(path + ": " + SchemaText.CompactJson(value) + " is not a string");
            return;
        }

        try
        {
            ValueConverter.Convert(value, schema, checkConstraints);
        }
        catch (SchemaViolationException e)
        {
            problems.Add(e.FormatPath(path) + ": " + e.Message);
        }
    }

    private static void CheckRange(List<string> problems, string path, string minName, int? min, string maxName, int? max)
    {
        if (min < 0)
        {
            problems.Add(path + "." + minName + ": must be >= 0");
        }

        if (max < 0)
        {
            problems.Add(path + "." + maxName + ": must be >= 0");
        }

        if (min > max)
        {
            problems.Add(path + "." + minName + ": " + min + " is greater than " + maxName + " " + max);
        }
    }
}
