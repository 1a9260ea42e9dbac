using System.Globalization;
using System.Text.Json;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Types;

/// <summary>
/// Converts one JSON argument value to its validated CLR value (see <c>EndpointInvocation.Arguments</c>) and checks
/// it against its schema, recursively. Coercions are tuned for LLM clients: numbers and booleans become strings,
/// numeric strings become numbers, "true"/"false" become booleans, JSON text becomes arrays and objects.
/// Coercions never lose information: <c>2.5</c> is not an integer and <c>"yes"</c> is not a boolean.
/// </summary>
internal static class ValueConverter
{
    // The doubles that convert to long without overflow: [-2^63, 2^63).
    private const double LongLowerBound = -9.2233720368547758E18;
    private const double LongUpperBound = 9.2233720368547758E18;

    /// <summary>Converts and validates <paramref name="value"/>.</summary>
    /// <param name="value">The JSON value.</param>
    /// <param name="schema">Its schema.</param>
    /// <param name="checkConstraints">
    /// <see langword="false"/> converts types only: used for the schema's own enum values, which also keeps
    /// <see cref="CompiledSchema"/> from needing itself while it is built.
    /// </param>
    /// <exception cref="SchemaViolationException">The value is invalid; its path is relative to <paramref name="value"/>.</exception>
    public static object? Convert(JsonElement value, TypeSchema schema, bool checkConstraints = true)
    {
        if (value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return SchemaConstraints.AllowsNull(schema) ? null : throw SchemaConstraints.TypeMismatch(schema, JsonValueKind.Null);
        }

        if (!checkConstraints || schema.Enum is null)
        {
            return ConvertCore(value, schema, checkConstraints);
        }

        // With an enum, any invalid value is best explained by the list of valid ones.
        var compiled = CompiledSchema.For(schema);
        object? result;
        try
        {
            result = ConvertCore(value, schema, checkConstraints);
        }
        catch (SchemaViolationException e) when (e.Rule != ValidationRule.InvalidSchema)
        {
            throw compiled.EnumViolation();
        }

        return compiled.EnumContains(result) ? result : throw compiled.EnumViolation();
    }

    /// <summary>
    /// Converts a <c>null</c> object property. LLMs send <c>null</c> for "not given", so on a property that does not
    /// admit null it takes the property's default, or stays <c>null</c> when the property is optional; only a
    /// required property rejects it.
    /// </summary>
    private static object? ConvertNullProperty(TypeSchema parent, string name, TypeSchema schema, bool checkConstraints)
    {
        if (!SchemaConstraints.AllowsNull(schema))
        {
            if (schema.Default is { } fallback)
            {
                return Convert(fallback, schema, checkConstraints);
            }

            if (SchemaConstraints.IsRequired(parent, name))
            {
                throw SchemaConstraints.TypeMismatch(schema, JsonValueKind.Null);
            }
        }

        return null;
    }

    private static object? ConvertCore(JsonElement value, TypeSchema schema, bool checkConstraints) => schema.Type switch
    {
        SchemaType.String => ConvertString(value, schema, checkConstraints),
        SchemaType.Number => ConvertNumber(value, schema, checkConstraints),
        SchemaType.Integer => ConvertInteger(value, schema, checkConstraints),
        SchemaType.Boolean => ConvertBoolean(value, schema),
        SchemaType.Array => ConvertArray(value, schema, checkConstraints),
        SchemaType.Object => ConvertObject(value, schema, checkConstraints),
        _ => throw new ArgumentOutOfRangeException(nameof(schema), schema.Type, "Unknown schema type."),
    };

    private static object ConvertString(JsonElement value, TypeSchema schema, bool checkConstraints)
    {
        if (schema.Format == SchemaFormat.Timestamp && value.ValueKind == JsonValueKind.Number)
        {
            var seconds = value.GetDouble();
            return SchemaFormats.FromUnixSeconds(seconds, schema);
        }

        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            // The number as the client wrote it: 3 → "3", 2.5 → "2.5" (issue #215).
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => throw SchemaConstraints.TypeMismatch(schema, value.ValueKind),
        };

        var result = SchemaFormats.Parse(text, schema);
        if (checkConstraints)
        {
            SchemaConstraints.CheckString(text, schema);
        }

        return result;
    }

    private static object ConvertNumber(JsonElement value, TypeSchema schema, bool checkConstraints)
    {
        double number;
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                number = value.GetDouble();
                break;
            case JsonValueKind.String:
                if (!double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number))
                {
                    throw SchemaConstraints.TypeMismatch(schema, JsonValueKind.String);
                }

                break;
            default:
                throw SchemaConstraints.TypeMismatch(schema, value.ValueKind);
        }

        if (!double.IsFinite(number))
        {
            throw new SchemaViolationException(ValidationRule.Type, "Expected a finite number");
        }

        if (checkConstraints)
        {
            SchemaConstraints.CheckNumber(number, schema);
        }

        return number;
    }

    private static object ConvertInteger(JsonElement value, TypeSchema schema, bool checkConstraints)
    {
        long integer;
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                if (!value.TryGetInt64(out integer))
                {
                    integer = FromDouble(value.GetDouble(), schema);
                }

                break;
            case JsonValueKind.String:
                var text = value.GetString();
                if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out integer))
                {
                    integer = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                        ? FromDouble(number, schema)
                        : throw SchemaConstraints.TypeMismatch(schema, JsonValueKind.String);
                }

                break;
            default:
                throw SchemaConstraints.TypeMismatch(schema, value.ValueKind);
        }

        if (checkConstraints)
        {
            SchemaConstraints.CheckInteger(integer, schema);
        }

        return integer;
    }

    // 3.0 and 1e3 are integers; 2.5 is an error rather than a silent truncation to 2.
    private static long FromDouble(double number, TypeSchema schema)
    {
        if (!double.IsFinite(number) || number != Math.Floor(number))
        {
            throw new SchemaViolationException(
                ValidationRule.Type,
                schema.Sensitive || !double.IsFinite(number)
                    ? "Expected integer, got a number with a fractional part"
                    : "Expected integer, got " + SchemaText.Number(number));
        }

        if (number < LongLowerBound || number >= LongUpperBound)
        {
            throw new SchemaViolationException(ValidationRule.Type, "Integer out of range (64-bit)");
        }

        return (long)number;
    }

    private static object ConvertBoolean(JsonElement value, TypeSchema schema)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            case JsonValueKind.String:
                var text = value.GetString().AsSpan().Trim();
                if (text.Equals("true", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }

                if (text.Equals("false", StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }

                throw new SchemaViolationException(ValidationRule.Type, "Expected boolean (true or false), got string");
            default:
                throw SchemaConstraints.TypeMismatch(schema, value.ValueKind);
        }
    }

    private static object ConvertArray(JsonElement value, TypeSchema schema, bool checkConstraints)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Array:
                return ConvertItems(value, schema, checkConstraints);
            case JsonValueKind.String when LooksLike(value, '['):
                using (var document = ParseJsonText(value, "Invalid JSON array"))
                {
                    return document.RootElement.ValueKind == JsonValueKind.Array
                        ? ConvertItems(document.RootElement, schema, checkConstraints)
                        : throw SchemaConstraints.TypeMismatch(schema, JsonValueKind.String);
                }

            default:
                throw SchemaConstraints.TypeMismatch(schema, value.ValueKind);
        }
    }

    private static object?[] ConvertItems(JsonElement array, TypeSchema schema, bool checkConstraints)
    {
        var count = array.GetArrayLength();
        if (checkConstraints)
        {
            SchemaConstraints.CheckItemCount(count, schema);
        }

        var items = new object?[count];
        var itemSchema = schema.Items;
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            try
            {
                items[i] = itemSchema is null ? JsonValues.ToClr(item) : Convert(item, itemSchema, checkConstraints);
            }
            catch (SchemaViolationException e)
            {
                e.PrependIndex(i);
                throw;
            }

            i++;
        }

        if (checkConstraints && schema.UniqueItems)
        {
            SchemaConstraints.CheckUnique(items);
        }

        return items;
    }

    private static object ConvertObject(JsonElement value, TypeSchema schema, bool checkConstraints)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                return ConvertProperties(value, schema, checkConstraints);
            case JsonValueKind.String when LooksLike(value, '{'):
                using (var document = ParseJsonText(value, "Invalid JSON object"))
                {
                    return document.RootElement.ValueKind == JsonValueKind.Object
                        ? ConvertProperties(document.RootElement, schema, checkConstraints)
                        : throw SchemaConstraints.TypeMismatch(schema, JsonValueKind.String);
                }

            default:
                throw SchemaConstraints.TypeMismatch(schema, value.ValueKind);
        }
    }

    private static Dictionary<string, object?> ConvertProperties(JsonElement obj, TypeSchema schema, bool checkConstraints)
    {
        var declared = schema.Properties;
        if (checkConstraints)
        {
            CheckRequiredProperties(obj, schema);
            if (schema.AdditionalProperties == false)
            {
                foreach (var property in obj.EnumerateObject())
                {
                    if (declared is null || !declared.ContainsKey(property.Name))
                    {
                        throw new SchemaViolationException(ValidationRule.AdditionalProperties, "Unexpected property: " + property.Name);
                    }
                }
            }
        }

        var result = new Dictionary<string, object?>(declared?.Count ?? 4, StringComparer.Ordinal);
        foreach (var property in obj.EnumerateObject())
        {
            if (declared is not null && declared.TryGetValue(property.Name, out var propertySchema))
            {
                try
                {
                    result[property.Name] = property.Value.ValueKind == JsonValueKind.Null
                        ? ConvertNullProperty(schema, property.Name, propertySchema, checkConstraints)
                        : Convert(property.Value, propertySchema, checkConstraints);
                }
                catch (SchemaViolationException e)
                {
                    e.PrependProperty(property.Name);
                    throw;
                }
            }
            else
            {
                result[property.Name] = JsonValues.ToClr(property.Value);
            }
        }

        if (declared is not null)
        {
            foreach (var (name, propertySchema) in declared)
            {
                if (propertySchema.Default is { } fallback && !result.ContainsKey(name))
                {
                    try
                    {
                        result[name] = Convert(fallback, propertySchema, checkConstraints);
                    }
                    catch (SchemaViolationException e)
                    {
                        e.PrependProperty(name);
                        throw;
                    }
                }
            }
        }

        return result;
    }

    private static void CheckRequiredProperties(JsonElement obj, TypeSchema schema)
    {
        if (schema.Required is not { Count: > 0 } required)
        {
            return;
        }

        List<string>? missing = null;
        foreach (var name in required)
        {
            if (!obj.TryGetProperty(name, out _))
            {
                (missing ??= []).Add(name);
            }
        }

        if (missing is not null)
        {
            throw new SchemaViolationException(ValidationRule.RequiredProperties, "Missing required properties: " + string.Join(", ", missing));
        }
    }

    private static bool LooksLike(JsonElement text, char opening)
    {
        var s = text.GetString().AsSpan().TrimStart();
        return s.Length > 0 && s[0] == opening;
    }

    private static JsonDocument ParseJsonText(JsonElement text, string error)
    {
        try
        {
            return JsonDocument.Parse(text.GetString()!);
        }
        catch (JsonException)
        {
            throw new SchemaViolationException(ValidationRule.Type, error);
        }
    }
}
