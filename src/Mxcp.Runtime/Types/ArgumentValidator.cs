using System.Text.Json;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Types;

/// <summary>
/// Validates the arguments of a call against the declared parameters and converts them to the values executors
/// receive (<c>EndpointInvocation.Arguments</c>). One pass for every door (MCP, <c>mxcp run</c>, <c>mxcp test</c>),
/// so <c>pattern</c> and every other rule hold everywhere.
/// </summary>
/// <remarks>
/// The checks run in the reference's order: defaults, missing required parameters, unknown arguments, then each
/// parameter in declaration order (enum, conversion, constraints). The first failure is reported.
/// </remarks>
internal static class ArgumentValidator
{
    private static readonly IReadOnlyDictionary<string, JsonElement> NoArguments = new Dictionary<string, JsonElement>();

    /// <summary>Validates and converts <paramref name="arguments"/>.</summary>
    /// <param name="parameters">The declared parameters, in file order.</param>
    /// <param name="arguments">The arguments as sent; <see langword="null"/> means none.</param>
    /// <returns>Every declared parameter by name, in declaration order, defaults applied.</returns>
    /// <exception cref="ArgumentValidationException">An argument is missing, unknown or invalid.</exception>
    public static IReadOnlyDictionary<string, object?> Validate(
        IReadOnlyList<ParameterDefinition> parameters, IReadOnlyDictionary<string, JsonElement>? arguments)
    {
        arguments ??= NoArguments;

        for (var i = 0; i < parameters.Count; i++)
        {
            var parameter = parameters[i];
            if (!parameter.Schema.HasDefault && !arguments.ContainsKey(parameter.Name))
            {
                throw new ArgumentValidationException(
                    "Required parameter missing: " + parameter.Name, parameter.Name, ValidationRule.Required);
            }
        }

        if (arguments.Count > 0)
        {
            foreach (var name in arguments.Keys)
            {
                if (!IsDeclared(parameters, name))
                {
                    throw new ArgumentValidationException("Unknown parameter: " + name, name, ValidationRule.Unknown);
                }
            }
        }

        var result = new Dictionary<string, object?>(parameters.Count, StringComparer.Ordinal);
        for (var i = 0; i < parameters.Count; i++)
        {
            var parameter = parameters[i];
            var schema = parameter.Schema;
            if (!arguments.TryGetValue(parameter.Name, out var value)
                || (value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined && !SchemaConstraints.AllowsNull(schema) && schema.HasDefault))
            {
                // Absent, or null where null is not a value: LLMs send null for "not given".
                value = schema.Default!.Value;
            }

            result[parameter.Name] = Convert(parameter, value);
        }

        return result;
    }

    private static object? Convert(ParameterDefinition parameter, JsonElement value)
    {
        try
        {
            return ValueConverter.Convert(value, parameter.Schema);
        }
        catch (SchemaViolationException e) when (e.Rule == ValidationRule.Enum && !e.IsNested)
        {
            throw new ArgumentValidationException(
                "Invalid value for " + parameter.Name + ". Must be one of: " + CompiledSchema.For(parameter.Schema).EnumText,
                parameter.Name,
                ValidationRule.Enum,
                innerException: e);
        }
        catch (SchemaViolationException e)
        {
            var path = e.IsNested ? e.FormatPath(parameter.Name) : null;
            var detail = path is null ? e.Message : path + ": " + e.Message;
            throw new ArgumentValidationException(
                "Error validating parameter '" + parameter.Name + "': " + detail, parameter.Name, e.Rule, path, e);
        }
    }

    private static bool IsDeclared(IReadOnlyList<ParameterDefinition> parameters, string name)
    {
        // Parameter lists are short; a scan beats building a set per call.
        for (var i = 0; i < parameters.Count; i++)
        {
            if (string.Equals(parameters[i].Name, name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
