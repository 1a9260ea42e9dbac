using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Runtime.Policies;
using static Mxcp.Runtime.Tests.Policies.PolicyTestData;

namespace Mxcp.Runtime.Tests.Policies;

public sealed class PolicyActionsTests
{
    private static string Json(JsonNode? node) => node?.ToJsonString() ?? "null";

    [Theory]
    [InlineData("""{"a":1,"b":2,"c":3}""", """{"b":2}""")]
    [InlineData("""[{"a":1,"b":2},{"b":3,"c":4},5,"x",null]""", """[{"b":2},{"b":3},5,"x",null]""")]
    [InlineData("""{"a":{"c":1},"b":{"c":2}}""", """{"b":{"c":2}}""")]
    [InlineData("42", "42")]
    [InlineData("\"text\"", "\"text\"")]
    [InlineData("null", "null")]
    public void FilterFields_RemovesTopLevelKeysOnly(string input, string expected)
    {
        var node = JsonNode.Parse(input);

        PolicyActions.FilterFields(node, ["a", "c"]);

        Assert.Equal(expected, Json(node));
    }

    [Theory]
    [InlineData("""{"a":1,"b":2,"c":null}""", """{"a":"****","b":2,"c":"****"}""")]
    [InlineData("""[{"a":1},{"b":2},7]""", """[{"a":"****"},{"b":2},7]""")]
    [InlineData("""{"a":{"secret":1},"b":{"a":2}}""", """{"a":"****","b":{"a":2}}""")]
    [InlineData("true", "true")]
    public void MaskFields_MasksPresentTopLevelKeys(string input, string expected)
    {
        var node = JsonNode.Parse(input);

        PolicyActions.MaskFields(node, ["a", "c"]);

        Assert.Equal(expected, Json(node));
    }

    [Fact]
    public void FilterSensitiveFields_SensitiveRoot_BecomesNull()
    {
        var result = PolicyActions.FilterSensitiveFields(JsonNode.Parse("""{"token":"x"}"""), Obj(new Dictionary<string, TypeSchema>(), sensitive: true));

        Assert.Null(result);
    }

    [Fact]
    public void FilterSensitiveFields_NestedObjectsAndArrays_FilteredRecursively()
    {
        var schema = Obj(new Dictionary<string, TypeSchema>
        {
            ["id"] = Int(),
            ["password"] = Str(sensitive: true),
            ["profile"] = Obj(new Dictionary<string, TypeSchema>
            {
                ["email"] = Str(),
                ["phone"] = Str(sensitive: true),
            }),
            ["accounts"] = Arr(Obj(new Dictionary<string, TypeSchema>
            {
                ["iban"] = Str(sensitive: true),
                ["bank"] = Str(),
            })),
            ["pins"] = Arr(Str(sensitive: true)),
        });
        var node = JsonNode.Parse("""
            {"id":1,"password":"p","extra":"kept",
             "profile":{"email":"e","phone":"0123"},
             "accounts":[{"iban":"DE00","bank":"B"},{"bank":"C"}],
             "pins":["1234","5678"]}
            """);

        var result = PolicyActions.FilterSensitiveFields(node, schema);

        Assert.Equal(
            """{"id":1,"extra":"kept","profile":{"email":"e"},"accounts":[{"bank":"B"},{"bank":"C"}],"pins":[null,null]}""",
            Json(result));
    }

    [Fact]
    public void FilterSensitiveFields_ListOfRows_FiltersEachRow()
    {
        var schema = Arr(Obj(new Dictionary<string, TypeSchema> { ["name"] = Str(), ["salary"] = Int(sensitive: true) }));

        var result = PolicyActions.FilterSensitiveFields(JsonNode.Parse("""[{"name":"a","salary":1},{"name":"b","salary":2}]"""), schema);

        Assert.Equal("""[{"name":"a"},{"name":"b"}]""", Json(result));
    }

    [Fact]
    public void FilterSensitiveFields_AdditionalPropertiesFalse_DropsUndeclaredKeys()
    {
        var schema = Obj(new Dictionary<string, TypeSchema> { ["name"] = Str() }, additionalProperties: false);

        var result = PolicyActions.FilterSensitiveFields(JsonNode.Parse("""{"name":"a","internal":"x"}"""), schema);

        Assert.Equal("""{"name":"a"}""", Json(result));
    }

    [Theory]
    [InlineData("42")]
    [InlineData("\"text\"")]
    [InlineData("null")]
    public void FilterSensitiveFields_NonSensitiveScalar_Unchanged(string input)
    {
        var result = PolicyActions.FilterSensitiveFields(JsonNode.Parse(input), Str());

        Assert.Equal(input, Json(result));
    }

    [Fact]
    public void FilterSensitiveFields_ShapeDifferentFromSchema_LeftAsIs()
    {
        var schema = Obj(new Dictionary<string, TypeSchema> { ["a"] = Str(sensitive: true) });

        var result = PolicyActions.FilterSensitiveFields(JsonNode.Parse("""[{"a":1}]"""), schema);

        Assert.Equal("""[{"a":1}]""", Json(result));
    }

    [Fact]
    public void DeclaresSensitiveData_FindsNestedFlags()
    {
        Assert.True(PolicyActions.DeclaresSensitiveData(Arr(Obj(new Dictionary<string, TypeSchema> { ["x"] = Str(sensitive: true) }))));
        Assert.False(PolicyActions.DeclaresSensitiveData(Arr(Obj(new Dictionary<string, TypeSchema> { ["x"] = Str() }))));
        Assert.False(PolicyActions.DeclaresSensitiveData(null));
    }
}
