using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Runtime.Types;
using static Mxcp.Runtime.Tests.Types.TypeTestData;

namespace Mxcp.Runtime.Tests.Types;

public sealed class ResultShaperTests
{
    private static string? Shape(string? raw, TypeSchema? returnType) =>
        ResultShaper.Shape(raw is null ? null : JsonNode.Parse(raw), returnType)?.ToJsonString();

    private static string Fail(string raw, TypeSchema returnType) =>
        Assert.Throws<ResultShapingException>(() => ResultShaper.Shape(JsonNode.Parse(raw), returnType)).Message;

    [Fact]
    public void Shape_NoReturnType_ReturnsRawUnchanged()
    {
        Assert.Equal("""[{"a":1},{"a":2}]""", Shape("""[{"a":1},{"a":2}]""", null));
    }

    [Fact]
    public void Shape_ArrayReturn_ReturnsRowsUnchanged()
    {
        Assert.Equal("""[{"a":1},{"a":2}]""", Shape("""[{"a":1},{"a":2}]""", ArrayOf(null)));
        Assert.Equal("[]", Shape("[]", ArrayOf(null)));
    }

    [Theory]
    [InlineData("""{"a":1}""")]
    [InlineData("42")]
    [InlineData("\"text\"")]
    public void Shape_RawIsNotAnArray_ReturnsRawUnchanged(string raw)
    {
        Assert.Equal(raw, Shape(raw, Obj(("a", Int))));
        Assert.Equal(raw, Shape(raw, Int));
    }

    [Fact]
    public void Shape_NullRaw_ReturnsNull()
    {
        Assert.Null(Shape(null, Obj()));
    }

    [Fact]
    public void Shape_ObjectReturnWithOneRow_ReturnsTheRow()
    {
        var raw = JsonNode.Parse("""[{"id":1,"name":"x"}]""");

        var shaped = ResultShaper.Shape(raw, Obj(("id", Int)));

        Assert.Equal("""{"id":1,"name":"x"}""", shaped!.ToJsonString());
        Assert.Null(shaped.Parent);
    }

    [Fact]
    public void Shape_ObjectReturnWithNoRows_ThrowsNoResults()
    {
        Assert.Equal("No results returned", Fail("[]", Obj()));
    }

    [Fact]
    public void Shape_ObjectReturnWithSeveralRows_ThrowsSingleResultExpected()
    {
        Assert.Equal("Expected single result for return type 'object', but got 3 results", Fail("[{},{},{}]", Obj()));
    }

    [Theory]
    [InlineData(SchemaType.String, """[{"name":"x"}]""", "\"x\"")]
    [InlineData(SchemaType.Number, """[{"avg":2.5}]""", "2.5")]
    [InlineData(SchemaType.Integer, """[{"count_star()":42}]""", "42")]
    [InlineData(SchemaType.Boolean, """[{"exists":true}]""", "true")]
    public void Shape_ScalarReturnWithOneRowOneColumn_ReturnsTheValue(SchemaType type, string raw, string expected)
    {
        Assert.Equal(expected, Shape(raw, new TypeSchema { Type = type }));
    }

    [Fact]
    public void Shape_ScalarReturnWithNullValue_ReturnsNull()
    {
        Assert.Null(Shape("""[{"max":null}]""", Num));
    }

    [Fact]
    public void Shape_ScalarReturnWithNonObjectRow_ReturnsTheItem()
    {
        Assert.Equal("42", Shape("[42]", Int));
    }

    [Theory]
    [InlineData(SchemaType.String)]
    [InlineData(SchemaType.Number)]
    [InlineData(SchemaType.Integer)]
    [InlineData(SchemaType.Boolean)]
    public void Shape_ScalarReturnWithNoRows_ThrowsNoResults(SchemaType type)
    {
        Assert.Equal("No results returned", Fail("[]", new TypeSchema { Type = type }));
    }

    [Theory]
    [InlineData(SchemaType.String, "string")]
    [InlineData(SchemaType.Integer, "integer")]
    public void Shape_ScalarReturnWithSeveralRows_ThrowsSingleResultExpected(SchemaType type, string name)
    {
        Assert.Equal(
            "Expected single result for return type '" + name + "', but got 2 results",
            Fail("""[{"a":1},{"a":2}]""", new TypeSchema { Type = type }));
    }

    [Fact]
    public void Shape_ScalarReturnWithSeveralColumns_ThrowsSingleValueExpected()
    {
        Assert.Equal("Expected single value for return type 'string', but got 2 values", Fail("""[{"a":1,"b":2}]""", Str()));
    }

    [Fact]
    public void Shape_ScalarReturnWithNoColumns_ThrowsSingleValueExpected()
    {
        Assert.Equal("Expected single value for return type 'number', but got 0 values", Fail("[{}]", Num));
    }
}
