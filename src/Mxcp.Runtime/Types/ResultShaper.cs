using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Types;

/// <summary>
/// Gives a raw result the shape of the declared return type, before output validation and output policies
/// (as the Python MXCP does). Only a declared return type and a raw array trigger shaping: SQL always returns rows,
/// so <c>return: {type: object}</c> takes the single row, and a scalar return takes the single column of the single row.
/// Then the values of <c>date-time</c> and <c>time</c> fields are given the RFC 3339 form that MCP clients check them
/// against (<see cref="SchemaFormats.ToRfc3339"/>: a value without an offset is UTC), whichever language produced them.
/// </summary>
internal static class ResultShaper
{
    private static readonly ConditionalWeakTable<TypeSchema, StrongBox<bool>> HasZonedFormats = new();

    /// <summary>Shapes <paramref name="raw"/>; the array's items are detached from it when one is returned.</summary>
    /// <param name="raw">The executor's result.</param>
    /// <param name="returnType">The declared return type, or <see langword="null"/>.</param>
    /// <returns>The shaped result.</returns>
    /// <exception cref="ResultShapingException">The rows do not fit the return type.</exception>
    public static JsonNode? Shape(JsonNode? raw, TypeSchema? returnType)
    {
        var shaped = ShapeRows(raw, returnType);
        return returnType is not null && NeedsNormalizing(returnType) ? Normalize(shaped, returnType) : shaped;
    }

    private static JsonNode? ShapeRows(JsonNode? raw, TypeSchema? returnType)
    {
        if (returnType is null || raw is not JsonArray rows || returnType.Type == SchemaType.Array)
        {
            return raw;
        }

        var typeName = SchemaText.TypeName(returnType.Type);
        if (rows.Count == 0)
        {
            throw new ResultShapingException("No results returned");
        }

        if (rows.Count > 1)
        {
            throw new ResultShapingException(
                "Expected single result for return type '" + typeName + "', but got " + rows.Count + " results");
        }

        var row = rows[0];
        if (returnType.Type == SchemaType.Object || row is not JsonObject columns)
        {
            // An object return takes the row; a scalar return from Python ([42]) takes the item as it is.
            rows.Clear();
            return row;
        }

        if (columns.Count != 1)
        {
            throw new ResultShapingException(
                "Expected single value for return type '" + typeName + "', but got " + columns.Count + " values");
        }

        var value = columns.GetAt(0).Value;
        columns.Clear();
        return value;
    }

    /// <summary>Rewrites the date-time and time strings of <paramref name="node"/> in place; returns the (new) node.</summary>
    private static JsonNode? Normalize(JsonNode? node, TypeSchema schema)
    {
        switch (node)
        {
            case JsonValue value when schema.Type == SchemaType.String && schema.Format is SchemaFormat.DateTime or SchemaFormat.Time:
                return value.TryGetValue<string>(out var text) && SchemaFormats.ToRfc3339(text, schema.Format) is { } rfc3339 && rfc3339 != text
                    ? JsonValue.Create(rfc3339)
                    : node;
            case JsonObject obj when schema.Properties is { } properties:
                foreach (var (name, property) in properties)
                {
                    if (obj[name] is { } child && NeedsNormalizing(property))
                    {
                        var normalized = Normalize(child, property);
                        if (!ReferenceEquals(normalized, child))
                        {
                            obj[name] = normalized;
                        }
                    }
                }

                return node;
            case JsonArray array when schema.Items is { } items && NeedsNormalizing(items):
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is { } item)
                    {
                        var normalized = Normalize(item, items);
                        if (!ReferenceEquals(normalized, item))
                        {
                            array[i] = normalized;
                        }
                    }
                }

                return node;
            default:
                return node;
        }
    }

    /// <summary>Whether a schema has a date-time or time field anywhere (computed once per schema).</summary>
    private static bool NeedsNormalizing(TypeSchema schema) =>
        HasZonedFormats.GetValue(schema, static s => new StrongBox<bool>(
            (s.Type == SchemaType.String && s.Format is SchemaFormat.DateTime or SchemaFormat.Time)
            || (s.Items is { } items && NeedsNormalizing(items))
            || (s.Properties?.Values.Any(NeedsNormalizing) ?? false))).Value;
}
