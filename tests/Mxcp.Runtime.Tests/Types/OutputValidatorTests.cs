using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Runtime.Types;
using static Mxcp.Runtime.Tests.Types.TypeTestData;

namespace Mxcp.Runtime.Tests.Types;

public sealed class OutputValidatorTests
{
    private static void Valid(string json, TypeSchema schema) => OutputValidator.Validate(JsonNode.Parse(json), schema);

    private static string Fail(string json, TypeSchema schema) => Failure(json, schema).Message;

    private static OutputValidationException Failure(string json, TypeSchema schema) =>
        Assert.Throws<OutputValidationException>(() => OutputValidator.Validate(JsonNode.Parse(json), schema));

    private static TypeSchema Row(string[] required, params (string Name, TypeSchema Schema)[] properties) => new()
    {
        Type = SchemaType.Object,
        Properties = Obj(properties).Properties,
        Required = required,
    };

    [Theory]
    [InlineData(SchemaType.String)]
    [InlineData(SchemaType.Number)]
    [InlineData(SchemaType.Integer)]
    [InlineData(SchemaType.Boolean)]
    [InlineData(SchemaType.Array)]
    [InlineData(SchemaType.Object)]
    public void Validate_NullResult_IsValid(SchemaType type)
    {
        OutputValidator.Validate(null, new TypeSchema { Type = type });
        Valid("null", new TypeSchema { Type = type });
    }

    [Theory]
    [InlineData(SchemaType.String, "\"x\"")]
    [InlineData(SchemaType.Number, "2.5")]
    [InlineData(SchemaType.Number, "3")]
    [InlineData(SchemaType.Integer, "3")]
    [InlineData(SchemaType.Integer, "3.0")]
    [InlineData(SchemaType.Boolean, "false")]
    [InlineData(SchemaType.Array, "[1, \"a\"]")]
    [InlineData(SchemaType.Object, "{\"any\": 1}")]
    public void Validate_MatchingType_IsValid(SchemaType type, string json)
    {
        Valid(json, new TypeSchema { Type = type });
    }

    [Theory]
    [InlineData(SchemaType.String, "42", "Output validation failed: Expected string, got number")]
    [InlineData(SchemaType.String, "true", "Output validation failed: Expected string, got boolean")]
    [InlineData(SchemaType.Number, "\"42\"", "Output validation failed: Expected number, got string")]
    [InlineData(SchemaType.Number, "true", "Output validation failed: Expected number, got boolean")]
    [InlineData(SchemaType.Integer, "2.5", "Output validation failed: Expected integer, got 2.5")]
    [InlineData(SchemaType.Integer, "false", "Output validation failed: Expected integer, got boolean")]
    [InlineData(SchemaType.Boolean, "\"true\"", "Output validation failed: Expected boolean, got string")]
    [InlineData(SchemaType.Boolean, "1", "Output validation failed: Expected boolean, got number")]
    [InlineData(SchemaType.Array, "{}", "Output validation failed: Expected array, got object")]
    [InlineData(SchemaType.Object, "[]", "Output validation failed: Expected object, got array")]
    public void Validate_WrongType_Throws(SchemaType type, string json, string expected)
    {
        var e = Failure(json, new TypeSchema { Type = type });

        Assert.Equal(expected, e.Message);
        Assert.Equal(ValidationRule.Type, e.Rule);
        Assert.Null(e.Path);
    }

    [Theory]
    [InlineData(SchemaFormat.Date, "\"2024-01-15\"")]
    [InlineData(SchemaFormat.Time, "\"10:30:00Z\"")]
    [InlineData(SchemaFormat.Time, "\"10:30:00.123Z\"")]
    [InlineData(SchemaFormat.Time, "\"10:30:00+02:00\"")]
    [InlineData(SchemaFormat.DateTime, "\"2024-01-15T10:30:00Z\"")]
    [InlineData(SchemaFormat.DateTime, "\"2024-01-15T10:30:00.123456Z\"")]
    [InlineData(SchemaFormat.DateTime, "\"2024-01-15T10:30:00.123456789Z\"")]
    [InlineData(SchemaFormat.DateTime, "\"2024-01-15 10:30:00+01:00\"")]
    [InlineData(SchemaFormat.Timestamp, "\"1700000000\"")]
    [InlineData(SchemaFormat.Timestamp, "\"2024-01-15T10:30:00Z\"")]
    [InlineData(SchemaFormat.Email, "\"a@b.co\"")]
    [InlineData(SchemaFormat.Uri, "\"https://x.y/z\"")]
    [InlineData(SchemaFormat.Duration, "\"PT1H\"")]
    public void Validate_FormattedIsoStrings_AreValid(SchemaFormat format, string json)
    {
        Valid(json, Str(format));
    }

    [Theory]
    [InlineData(SchemaFormat.Date, "\"15/01/2024\"", "Output validation failed: Invalid date format: '15/01/2024' (expected YYYY-MM-DD)")]
    [InlineData(SchemaFormat.Time, "\"noon\"", "Output validation failed: Invalid time format: 'noon' (expected HH:MM:SS with an offset, e.g. 10:30:00Z)")]
    [InlineData(SchemaFormat.Time, "\"10:30:00\"", "Output validation failed: Invalid time format: '10:30:00' (expected HH:MM:SS with an offset, e.g. 10:30:00Z)")]
    [InlineData(SchemaFormat.DateTime, "\"today\"", "Output validation failed: Invalid date-time format: 'today' (expected RFC 3339 with an offset, e.g. 2024-01-15T10:30:00Z)")]
    [InlineData(SchemaFormat.DateTime, "\"2024-01-15T10:30:00\"", "Output validation failed: Invalid date-time format: '2024-01-15T10:30:00' (expected RFC 3339 with an offset, e.g. 2024-01-15T10:30:00Z)")]
    [InlineData(SchemaFormat.DateTime, "\"2024-01-15\"", "Output validation failed: Invalid date-time format: '2024-01-15' (expected RFC 3339 with an offset, e.g. 2024-01-15T10:30:00Z)")]
    [InlineData(SchemaFormat.DateTime, "\"2024-13-45T10:30:00Z\"", "Output validation failed: Invalid date-time format: '2024-13-45T10:30:00Z' (expected RFC 3339 with an offset, e.g. 2024-01-15T10:30:00Z)")]
    [InlineData(SchemaFormat.Email, "\"nobody\"", "Output validation failed: Invalid email format")]
    [InlineData(SchemaFormat.Uri, "\"nowhere\"", "Output validation failed: Invalid URI format")]
    [InlineData(SchemaFormat.Duration, "\"1 hour\"", "Output validation failed: Invalid duration format: '1 hour' (expected ISO 8601 duration, e.g. P1DT2H30M)")]
    public void Validate_BadlyFormattedString_Throws(SchemaFormat format, string json, string expected)
    {
        Assert.Equal(expected, Fail(json, Str(format)));
    }

    [Fact]
    public void Validate_TimestampAsNumber_IsNotAString()
    {
        Assert.Equal("Output validation failed: Expected string, got number", Fail("1700000000", Str(SchemaFormat.Timestamp)));
    }

    [Theory]
    [InlineData("\"a\"", "Output validation failed: String must be at least 2 characters long")]
    [InlineData("\"abcd\"", "Output validation failed: String must be at most 3 characters long")]
    [InlineData("\"a1\"", "Output validation failed: String does not match pattern '^[a-z]+$'")]
    public void Validate_StringConstraints_AreChecked(string json, string expected)
    {
        Assert.Equal(expected, Fail(json, new TypeSchema { Type = SchemaType.String, MinLength = 2, MaxLength = 3, Pattern = "^[a-z]+$" }));
    }

    [Theory]
    [InlineData("-1", "Output validation failed: Value must be >= 0")]
    [InlineData("11", "Output validation failed: Value must be <= 10")]
    [InlineData("0", "Output validation failed: Value must be > 0")]
    [InlineData("10", "Output validation failed: Value must be < 10")]
    [InlineData("0.3", "Output validation failed: Value must be a multiple of 0.2")]
    public void Validate_NumberConstraints_AreChecked(string json, string expected)
    {
        var inclusive = new TypeSchema { Type = SchemaType.Number, Minimum = 0, Maximum = 10 };
        var exclusive = new TypeSchema { Type = SchemaType.Number, ExclusiveMinimum = 0, ExclusiveMaximum = 10, MultipleOf = 0.2 };
        var schema = json is "-1" or "11" ? inclusive : exclusive;

        Assert.Equal(expected, Fail(json, schema));
    }

    [Theory]
    [InlineData("9", "Output validation failed: Value must be a multiple of 2")]
    [InlineData("-2", "Output validation failed: Value must be >= 0")]
    public void Validate_IntegerConstraints_AreChecked(string json, string expected)
    {
        Assert.Equal(expected, Fail(json, new TypeSchema { Type = SchemaType.Integer, MultipleOf = 2, Minimum = 0 }));
    }

    [Fact]
    public void Validate_ValuesBuiltFromClrTypes_AreChecked()
    {
        var schema = new TypeSchema { Type = SchemaType.Integer, Maximum = 10 };

        OutputValidator.Validate(JsonValue.Create(7), schema);
        OutputValidator.Validate(JsonValue.Create(7L), schema);
        OutputValidator.Validate(JsonValue.Create(7m), schema);
        OutputValidator.Validate(JsonValue.Create(7.0), schema);
        OutputValidator.Validate(JsonValue.Create("x"), Str());
        var e = Assert.Throws<OutputValidationException>(() => OutputValidator.Validate(JsonValue.Create(12), schema));
        Assert.Equal("Output validation failed: Value must be <= 10", e.Message);
    }

    [Fact]
    public void Validate_NonFiniteNumber_Throws()
    {
        var e = Assert.Throws<OutputValidationException>(() => OutputValidator.Validate(JsonValue.Create(double.NaN), Num));

        Assert.Equal("Output validation failed: Expected a finite number, got NaN", e.Message);
    }

    [Fact]
    public void Validate_Enum_IsChecked()
    {
        var schema = new TypeSchema { Type = SchemaType.String, Enum = JsonList("""["ok","failed"]""") };

        Valid("\"ok\"", schema);
        Assert.Equal("Output validation failed: Value must be one of: ['ok', 'failed']", Fail("\"pending\"", schema));
    }

    [Fact]
    public void Validate_NumberEnum_ComparesByValue()
    {
        Valid("2.0", new TypeSchema { Type = SchemaType.Number, Enum = JsonList("[1, 2]") });
    }

    [Theory]
    [InlineData("[]", "Output validation failed: Array must have at least 1 item")]
    [InlineData("[1,2,3]", "Output validation failed: Array must have at most 2 items")]
    [InlineData("[1,1]", "Output validation failed: Array items must be unique (item 1 repeats item 0)")]
    public void Validate_ArrayConstraints_AreChecked(string json, string expected)
    {
        Assert.Equal(expected, Fail(json, new TypeSchema { Type = SchemaType.Array, MinItems = 1, MaxItems = 2, UniqueItems = true }));
    }

    [Fact]
    public void Validate_InvalidArrayItem_NamesItsIndex()
    {
        var e = Failure("""[1, 2, "three"]""", ArrayOf(Int));

        Assert.Equal("Output validation failed: Array item 2: Expected integer, got string", e.Message);
        Assert.Equal("result[2]", e.Path);
    }

    [Fact]
    public void Validate_NullArrayItem_IsValidOnlyWhenNullable()
    {
        Assert.Equal("Output validation failed: Array item 1: Expected number, got null", Fail("[1, null]", ArrayOf(Num)));
        Valid("[1, null]", ArrayOf(new TypeSchema { Type = SchemaType.Number, Nullable = true }));
    }

    [Fact]
    public void Validate_PropertyInArrayItem_NamesTheFullPath()
    {
        var row = Row(["name", "price"], ("name", Str()), ("price", Num));

        var e = Failure("""[{"name":"a","price":1},{"name":"b","price":2},{"name":"c","price":3},{"name":"d","price":"4.5"}]""", ArrayOf(row));

        Assert.Equal("Output validation failed: Array item 3: Property 'price': Expected number, got string", e.Message);
        Assert.Equal("result[3].price", e.Path);
        Assert.Equal(ValidationRule.Type, e.Rule);
    }

    [Fact]
    public void Validate_MissingRequiredProperties_AreListed()
    {
        var row = Row(["a", "b", "c"], ("a", Int), ("b", Int), ("c", Int));

        Assert.Equal("Output validation failed: Missing required properties: a, c", Fail("""{"b": 1}""", row));
    }

    [Fact]
    public void Validate_NullProperty_IsValidWhenOptionalOrNullable()
    {
        var row = Row(["id", "note"], ("id", Int), ("note", new TypeSchema { Type = SchemaType.String, Nullable = true }), ("email", Str(SchemaFormat.Email)));

        Valid("""{"id": 1, "note": null, "email": null}""", row);
        Assert.Equal("Output validation failed: Property 'id': Expected integer, got null", Fail("""{"id": null, "note": "x"}""", row));
    }

    [Fact]
    public void Validate_UndeclaredProperty_IsValidUnlessAdditionalPropertiesFalse()
    {
        var open = Row([], ("id", Int));
        var closed = new TypeSchema { Type = SchemaType.Object, Properties = open.Properties, AdditionalProperties = false };

        Valid("""{"id": 1, "extra": true}""", open);
        Assert.Equal("Output validation failed: Unexpected property: extra", Fail("""{"id": 1, "extra": true}""", closed));
    }

    [Fact]
    public void Validate_DeepPath_NamesEveryLevel()
    {
        var inner = Row(["tags"], ("tags", ArrayOf(new TypeSchema { Type = SchemaType.String, MaxLength = 3 })));
        var outer = Row(["items"], ("items", ArrayOf(inner)));

        var e = Failure("""{"items": [{"tags": ["ok"]}, {"tags": ["fine", "toolong"]}]}""", outer);

        Assert.Equal("Output validation failed: Property 'items': Array item 1: Property 'tags': Array item 0: String must be at most 3 characters long", e.Message);
        Assert.Equal("result.items[1].tags[0]", e.Path);
    }
}
