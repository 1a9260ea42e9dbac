using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Types;

/// <summary>
/// Checks a shaped result against the declared return type, after <see cref="ResultShaper"/>; skipped by
/// <c>mxcp run --skip-output-validation</c>. It is exactly as strict as the advertised output schema: every
/// constraint is checked (also the exclusive bounds, <c>multipleOf</c>, <c>pattern</c>, formats and <c>enum</c>
/// the reference skips), and <c>null</c> is accepted where the schema admits it: the result itself (SQL NULL,
/// Python None), optional object properties, and <c>nullable</c> or <c>default: null</c> types.
/// Values are not converted: a number is not a string here.
/// </summary>
internal static class OutputValidator
{
    private const string Prefix = "Output validation failed: ";

    /// <summary>Validates <paramref name="result"/>.</summary>
    /// <exception cref="OutputValidationException">The result does not match <paramref name="returnType"/>.</exception>
    public static void Validate(JsonNode? result, TypeSchema returnType)
    {
        if (IsNull(result))
        {
            return;
        }

        try
        {
            Check(result!, returnType);
        }
        catch (SchemaViolationException e)
        {
            throw new OutputValidationException(
                Prefix + e.FormatOutputPrefix() + e.Message, e.Rule, e.IsNested ? e.FormatPath("result") : null, e);
        }
    }

    private static void Check(JsonNode node, TypeSchema schema)
    {
        var kind = node.GetValueKind();
        switch (schema.Type)
        {
            case SchemaType.String:
                CheckString(node, kind, schema);
                break;
            case SchemaType.Number:
                CheckNumber(node, kind, schema, integer: false);
                break;
            case SchemaType.Integer:
                CheckNumber(node, kind, schema, integer: true);
                break;
            case SchemaType.Boolean:
                if (kind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    throw SchemaConstraints.TypeMismatch(schema, kind);
                }

                break;
            case SchemaType.Array:
                CheckArray(node as JsonArray ?? throw SchemaConstraints.TypeMismatch(schema, kind), schema);
                break;
            case SchemaType.Object:
                CheckObject(node as JsonObject ?? throw SchemaConstraints.TypeMismatch(schema, kind), schema);
                break;
        }

        if (schema.Enum is not null)
        {
            var compiled = CompiledSchema.For(schema);
            if (!compiled.RawEnumContains(JsonValues.ToClr(node)))
            {
                throw compiled.EnumViolation();
            }
        }
    }

    private static void CheckString(JsonNode node, JsonValueKind kind, TypeSchema schema)
    {
        if (kind != JsonValueKind.String)
        {
            throw SchemaConstraints.TypeMismatch(schema, kind);
        }

        var value = node.AsValue();
        var text = value.TryGetValue(out string? s) ? s : JsonValues.AsElement(value).GetString()!;
        SchemaFormats.Check(text, schema);
        SchemaConstraints.CheckString(text, schema);
    }

    private static void CheckNumber(JsonNode node, JsonValueKind kind, TypeSchema schema, bool integer)
    {
        if (kind != JsonValueKind.Number)
        {
            throw SchemaConstraints.TypeMismatch(schema, kind);
        }

        var value = node.AsValue();
        if (integer && value.TryGetValue(out long exact))
        {
            SchemaConstraints.CheckInteger(exact, schema);
            return;
        }

        double d;
        if (value.TryGetValue(out double parsed))
        {
            d = parsed;
        }
        else if (value.TryGetValue(out float single))
        {
            d = single;
        }
        else
        {
            d = JsonValues.AsElement(value).GetDouble();
        }

        // Nodes built from CLR doubles may hold NaN or infinity, which JSON cannot carry.
        if (!double.IsFinite(d))
        {
            throw new SchemaViolationException(ValidationRule.Type, "Expected a finite number, got " + SchemaText.Number(d));
        }

        if (integer)
        {
            if (d != Math.Floor(d))
            {
                throw new SchemaViolationException(ValidationRule.Type, "Expected integer, got " + SchemaText.Number(d));
            }

            if (d >= -9.2233720368547758E18 && d < 9.2233720368547758E18)
            {
                SchemaConstraints.CheckInteger((long)d, schema);
                return;
            }
        }

        SchemaConstraints.CheckNumber(d, schema);
    }

    private static void CheckArray(JsonArray array, TypeSchema schema)
    {
        SchemaConstraints.CheckItemCount(array.Count, schema);
        if (schema.Items is { } items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                try
                {
                    var item = array[i];
                    if (IsNull(item))
                    {
                        if (!SchemaConstraints.AllowsNull(items))
                        {
                            throw SchemaConstraints.TypeMismatch(items, JsonValueKind.Null);
                        }
                    }
                    else
                    {
                        Check(item!, items);
                    }
                }
                catch (SchemaViolationException e)
                {
                    e.PrependIndex(i);
                    throw;
                }
            }
        }

        if (schema.UniqueItems && array.Count > 1)
        {
            var values = new object?[array.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = JsonValues.ToClr(array[i]);
            }

            SchemaConstraints.CheckUnique(values);
        }
    }

    private static void CheckObject(JsonObject obj, TypeSchema schema)
    {
        if (schema.Required is { Count: > 0 } required)
        {
            List<string>? missing = null;
            foreach (var name in required)
            {
                if (!obj.ContainsKey(name))
                {
                    (missing ??= []).Add(name);
                }
            }

            if (missing is not null)
            {
                throw new SchemaViolationException(ValidationRule.RequiredProperties, "Missing required properties: " + string.Join(", ", missing));
            }
        }

        var declared = schema.Properties;
        foreach (var (name, value) in obj)
        {
            if (declared is null || !declared.TryGetValue(name, out var propertySchema))
            {
                if (schema.AdditionalProperties == false)
                {
                    throw new SchemaViolationException(ValidationRule.AdditionalProperties, "Unexpected property: " + name);
                }

                continue;
            }

            try
            {
                if (IsNull(value))
                {
                    if (!SchemaConstraints.AllowsNull(propertySchema) && SchemaConstraints.IsRequired(schema, name))
                    {
                        throw SchemaConstraints.TypeMismatch(propertySchema, JsonValueKind.Null);
                    }
                }
                else
                {
                    Check(value!, propertySchema);
                }
            }
            catch (SchemaViolationException e)
            {
                e.PrependProperty(name);
                throw;
            }
        }
    }

    private static bool IsNull(JsonNode? node) => node is null || node.GetValueKind() == JsonValueKind.Null;
}
