using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Runtime.Types;
using static Mxcp.Runtime.Tests.Types.TypeTestData;

namespace Mxcp.Runtime.Tests.Types;

public sealed class JsonValuesTests
{
    private static readonly IReadOnlyDictionary<string, object?> AllKinds = new Dictionary<string, object?>
    {
        ["s"] = "text é",
        ["i"] = 42L,
        ["d"] = 2.5,
        ["b"] = true,
        ["n"] = null,
        ["date"] = new DateOnly(2024, 1, 15),
        ["time"] = new TimeOnly(10, 30, 0, 250),
        ["utc"] = new DateTimeOffset(2024, 1, 15, 10, 30, 0, TimeSpan.Zero),
        ["local"] = new DateTimeOffset(2024, 1, 15, 10, 30, 0, TimeSpan.FromHours(2)),
        ["list"] = new object?[] { 1L, "a" },
        ["map"] = new Dictionary<string, object?> { ["k"] = false },
    };

    private const string AllKindsJson =
        """{"s":"text é","i":42,"d":2.5,"b":true,"n":null,"date":"2024-01-15","time":"10:30:00.25","utc":"2024-01-15T10:30:00Z","local":"2024-01-15T10:30:00+02:00","list":[1,"a"],"map":{"k":false}}""";

    [Fact]
    public void ToJsonObject_EveryValidatedKind_UsesIsoStringsForDates()
    {
        Assert.Equal(AllKindsJson, JsonValues.ToJsonObject(AllKinds).ToJsonString(new JsonSerializerOptions { Encoder = SchemaText.Encoder }));
    }

    [Fact]
    public void ToJsonString_EveryValidatedKind_MatchesTheNodeForm()
    {
        Assert.Equal(AllKindsJson, JsonValues.ToJsonString(AllKinds));
    }

    [Fact]
    public void ToJsonNode_Null_IsNull()
    {
        Assert.Null(JsonValues.ToJsonNode(null));
    }

    [Theory]
    [InlineData(double.NaN, "\"NaN\"")]
    [InlineData(double.PositiveInfinity, "\"Infinity\"")]
    public void ToJsonNode_NonFiniteDouble_BecomesAString(double value, string expected)
    {
        Assert.Equal(expected, JsonValues.ToJsonNode(value)!.ToJsonString());
        Assert.Equal(expected, JsonValues.ToJsonString(value));
    }

    [Fact]
    public void ToJsonNode_JsonElementAndNode_AreCopied()
    {
        var node = JsonNode.Parse("""{"a":[1]}""");

        var copy = JsonValues.ToJsonNode(node);

        Assert.NotSame(node, copy);
        Assert.Equal("""{"a":[1]}""", copy!.ToJsonString());
        Assert.Equal("""{"a":[1]}""", JsonValues.ToJsonNode(Json("""{"a":[1]}"""))!.ToJsonString());
    }

    [Fact]
    public void ToJsonNode_ValidatedArguments_RoundTripThroughTheValidator()
    {
        var parameters = new[]
        {
            Param("when", Str(SchemaFormat.DateTime)),
            Param("day", Str(SchemaFormat.Date)),
            Param("at", Str(SchemaFormat.Time)),
            Param("ids", ArrayOf(Int)),
        };
        var arguments = ArgumentValidator.Validate(parameters, Args("""{"when":"2024-01-15T10:30:00+01:00","day":"2024-01-15","at":"08:00:00","ids":["1",2]}"""));

        var json = JsonValues.ToJsonObject(arguments).ToJsonString(new JsonSerializerOptions { Encoder = SchemaText.Encoder });

        Assert.Equal("""{"when":"2024-01-15T10:30:00+01:00","day":"2024-01-15","at":"08:00:00","ids":[1,2]}""", json);
        Assert.Equal(arguments["when"], ArgumentValidator.Validate(parameters, Args(json))["when"]);
    }

    [Fact]
    public void FormatDateTime_UnspecifiedDateTime_HasNoOffset()
    {
        Assert.Equal("2024-01-15T10:30:00", JsonValues.FormatDateTime(new DateTime(2024, 1, 15, 10, 30, 0, DateTimeKind.Unspecified)));
        Assert.Equal("2024-01-15T10:30:00Z", JsonValues.FormatDateTime(new DateTime(2024, 1, 15, 10, 30, 0, DateTimeKind.Utc)));
    }

    [Fact]
    public void ToClr_Element_ReturnsPlainValues()
    {
        var value = JsonValues.ToClr(Json("""{"s":"x","i":7,"d":7.5,"f":1.0,"b":false,"n":null,"a":[1,{"k":"v"}]}"""));

        var map = Assert.IsType<Dictionary<string, object?>>(value);
        Assert.Equal("x", map["s"]);
        Assert.Equal(7L, map["i"]);
        Assert.Equal(7.5, map["d"]);
        Assert.IsType<double>(map["f"]);
        Assert.Equal(false, map["b"]);
        Assert.Null(map["n"]);
        Assert.Equal("""[1,{"k":"v"}]""", JsonValues.ToJsonString(map["a"]));
    }

    [Fact]
    public void ToClr_Node_ReturnsPlainValuesAlsoForClrBackedNodes()
    {
        var node = new JsonObject
        {
            ["parsed"] = JsonNode.Parse("[1, 2.5]"),
            ["int"] = JsonValue.Create(3),
            ["decimal"] = JsonValue.Create(1.25m),
            ["text"] = JsonValue.Create("t"),
            ["none"] = null,
        };

        var map = Assert.IsType<Dictionary<string, object?>>(JsonValues.ToClr(node));

        Assert.Equal([1L, 2.5], Assert.IsType<object?[]>(map["parsed"]));
        Assert.Equal(3L, map["int"]);
        Assert.Equal(1.25, map["decimal"]);
        Assert.Equal("t", map["text"]);
        Assert.Null(map["none"]);
    }

    [Fact]
    public void Write_LargeObject_WritesWithoutNodes()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            JsonValues.Write(writer, new Dictionary<string, object?> { ["a"] = new object?[] { 1.5f, 2, 3m } });
        }

        Assert.Equal("""{"a":[1.5,2,3]}""", System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }
}
