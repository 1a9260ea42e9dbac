using System.Text.Json.Nodes;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Types;

/// <summary>
/// Gives a raw result the shape of the declared return type, before output validation and output policies
/// (as the Python MXCP does). Only a declared return type and a raw array trigger shaping: SQL always returns rows,
/// so <c>return: {type: object}</c> takes the single row, and a scalar return takes the single column of the single row.
/// </summary>
internal static class ResultShaper
{
    /// <summary>Shapes <paramref name="raw"/>; the array's items are detached from it when one is returned.</summary>
    /// <param name="raw">The executor's result.</param>
    /// <param name="returnType">The declared return type, or <see langword="null"/>.</param>
    /// <returns>The shaped result.</returns>
    /// <exception cref="ResultShapingException">The rows do not fit the return type.</exception>
    public static JsonNode? Shape(JsonNode? raw, TypeSchema? returnType)
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
}
