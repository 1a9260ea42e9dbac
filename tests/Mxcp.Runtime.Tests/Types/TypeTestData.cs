using System.Text.Json;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Tests.Types;

/// <summary>Builders for schemas, parameters and JSON used by the type-system tests.</summary>
internal static class TypeTestData
{
    public static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public static IReadOnlyList<JsonElement> JsonList(string jsonArray) => [.. Json(jsonArray).EnumerateArray()];

    /// <summary>Arguments from a JSON object: <c>{"a": 1}</c>.</summary>
    public static IReadOnlyDictionary<string, JsonElement> Args(string jsonObject)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in Json(jsonObject).EnumerateObject())
        {
            result[property.Name] = property.Value.Clone();
        }

        return result;
    }

    public static ParameterDefinition Param(string name, TypeSchema schema) => new(name, schema);

    public static TypeSchema Str(SchemaFormat format = SchemaFormat.None) => new() { Type = SchemaType.String, Format = format };

    public static TypeSchema Num => new() { Type = SchemaType.Number };

    public static TypeSchema Int => new() { Type = SchemaType.Integer };

    public static TypeSchema Bool => new() { Type = SchemaType.Boolean };

    public static TypeSchema ArrayOf(TypeSchema? items) => new() { Type = SchemaType.Array, Items = items };

    public static TypeSchema Obj(params (string Name, TypeSchema Schema)[] properties) => new()
    {
        Type = SchemaType.Object,
        Properties = properties.ToDictionary(p => p.Name, p => p.Schema),
    };

    /// <summary>Validated values as JSON text, to compare whole results at once.</summary>
    public static string ToJson(object? value) => Mxcp.Runtime.Types.JsonValues.ToJsonString(value);
}
