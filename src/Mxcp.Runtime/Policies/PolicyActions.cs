using System.Text.Json.Nodes;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Policies;

/// <summary>
/// The output actions, applied in place to a working copy of the result, each to what the previous one left.
/// </summary>
internal static class PolicyActions
{
    /// <summary>The value <c>mask_fields</c> writes.</summary>
    public const string Mask = "****";

    /// <summary>
    /// <c>filter_fields</c>: removes the listed top-level keys from an object, or from each object of a list.
    /// Scalars (and non-object list items) are left as they are.
    /// </summary>
    public static void FilterFields(JsonNode? result, IReadOnlyList<string> fields)
    {
        switch (result)
        {
            case JsonObject obj:
                RemoveKeys(obj, fields);
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    if (item is JsonObject row)
                    {
                        RemoveKeys(row, fields);
                    }
                }

                break;
        }
    }

    /// <summary>
    /// <c>mask_fields</c>: replaces the value of each listed key that is present with <c>"****"</c>, in an object or in
    /// each object of a list. Scalars are left as they are.
    /// </summary>
    public static void MaskFields(JsonNode? result, IReadOnlyList<string> fields)
    {
        switch (result)
        {
            case JsonObject obj:
                MaskKeys(obj, fields);
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    if (item is JsonObject row)
                    {
                        MaskKeys(row, fields);
                    }
                }

                break;
        }
    }

    /// <summary>
    /// <c>filter_sensitive_fields</c>, driven by the return schema: a sensitive root becomes <see langword="null"/>;
    /// in objects, properties declared sensitive are removed, declared properties are filtered recursively, and
    /// undeclared keys are kept unless <c>additionalProperties</c> is false; in arrays every item is filtered with
    /// the items schema (items declared sensitive become <see langword="null"/>). Returns the filtered root.
    /// </summary>
    public static JsonNode? FilterSensitiveFields(JsonNode? result, TypeSchema? schema)
    {
        if (schema is null)
        {
            return result;
        }

        if (schema.Sensitive)
        {
            return null;
        }

        FilterSensitiveInPlace(result, schema);
        return result;
    }

    /// <summary>Whether a schema marks anything sensitive (so that <c>filter_sensitive_fields</c> can change a result).</summary>
    public static bool DeclaresSensitiveData(TypeSchema? schema)
    {
        if (schema is null)
        {
            return false;
        }

        if (schema.Sensitive || DeclaresSensitiveData(schema.Items))
        {
            return true;
        }

        return schema.Properties?.Values.Any(DeclaresSensitiveData) == true;
    }

    private static void FilterSensitiveInPlace(JsonNode? node, TypeSchema schema)
    {
        switch (node)
        {
            case JsonObject obj when schema.Type == SchemaType.Object:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    if (schema.Properties is not null && schema.Properties.TryGetValue(key, out var property))
                    {
                        if (property.Sensitive)
                        {
                            obj.Remove(key);
                        }
                        else
                        {
                            FilterSensitiveInPlace(obj[key], property);
                        }
                    }
                    else if (schema.AdditionalProperties == false)
                    {
                        obj.Remove(key);
                    }
                }

                break;
            case JsonArray array when schema.Type == SchemaType.Array && schema.Items is not null:
                for (var i = 0; i < array.Count; i++)
                {
                    if (schema.Items.Sensitive)
                    {
                        array[i] = null;
                    }
                    else
                    {
                        FilterSensitiveInPlace(array[i], schema.Items);
                    }
                }

                break;
        }
    }

    private static void RemoveKeys(JsonObject obj, IReadOnlyList<string> fields)
    {
        foreach (var field in fields)
        {
            obj.Remove(field);
        }
    }

    private static void MaskKeys(JsonObject obj, IReadOnlyList<string> fields)
    {
        foreach (var field in fields)
        {
            if (obj.ContainsKey(field))
            {
                obj[field] = Mask;
            }
        }
    }
}
