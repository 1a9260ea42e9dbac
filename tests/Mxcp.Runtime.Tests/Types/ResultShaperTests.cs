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
    [Theory]
    [InlineData("2024-11-09T05:33:00", "2024-11-09T05:33:00Z")]
    [InlineData("2024-11-09 05:33:00.123456789", "2024-11-09T05:33:00.123456789Z")]
    [InlineData("2024-11-09T05:33:00+02:00", "2024-11-09T05:33:00+02:00")]
    [InlineData("2024-11-09T05:33:00Z", "2024-11-09T05:33:00Z")]
    [InlineData("2024-11-09", "2024-11-09T00:00:00Z")]
    [InlineData("2024-11-09T05:33", "2024-11-09T05:33:00Z")]
    [InlineData("infinity", "infinity")]
    public void Shape_DateTimeFields_AreRfc3339WithNaiveValuesAsUtc(string value, string expected)
    {
        var row = new TypeSchema
        {
            Type = SchemaType.Object,
            Properties = new Dictionary<string, TypeSchema>
            {
                ["at"] = Str(SchemaFormat.DateTime),
                ["times"] = ArrayOf(Str(SchemaFormat.Time)),
                ["plain"] = Str(),
            },
        };
        var raw = new JsonArray(new JsonObject { ["at"] = value, ["times"] = new JsonArray("08:30:00", "08:30:00+01:00", null), ["plain"] = value });

        var shaped = ResultShaper.Shape(raw, ArrayOf(row))!;

        Assert.Equal(expected, shaped[0]!["at"]!.GetValue<string>());
        Assert.Equal(["08:30:00Z", "08:30:00+01:00", null], shaped[0]!["times"]!.AsArray().Select(t => t?.GetValue<string>()));
        Assert.Equal(value, shaped[0]!["plain"]!.GetValue<string>());
    }

    [Fact]
    public void Shape_ScalarDateTime_IsNormalizedAfterTakingTheColumn()
    {
        Assert.Equal("\"2024-11-09T05:33:00Z\"", Shape("[{\"t\":\"2024-11-09T05:33:00\"}]", Str(SchemaFormat.DateTime)));
    }
}
