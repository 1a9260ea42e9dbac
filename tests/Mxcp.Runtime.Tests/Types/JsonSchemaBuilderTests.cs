using System.Text.Json;
using Mxcp.Abstractions;
using Mxcp.Runtime.Types;
using static Mxcp.Runtime.Tests.Types.TypeTestData;

namespace Mxcp.Runtime.Tests.Types;

public sealed class JsonSchemaBuilderTests
{
    private static string Input(params ParameterDefinition[] parameters) => JsonSchemaBuilder.BuildInputSchema(parameters).GetRawText();

    private static string? Output(TypeSchema? returnType) => JsonSchemaBuilder.BuildOutputSchema(returnType)?.GetRawText();

    [Fact]
    public void BuildInputSchema_NoParameters_IsAnEmptyClosedObject()
    {
        Assert.Equal("""{"type":"object","properties":{},"additionalProperties":false}""", Input());
    }

    [Fact]
    public void BuildInputSchema_RequiredAndOptional_ListsOnlyParametersWithoutDefault()
    {
        var json = Input(
            Param("city", new TypeSchema { Type = SchemaType.String, Description = "City name" }),
            Param("days", new TypeSchema { Type = SchemaType.Integer, Default = Json("3") }),
            Param("country", new TypeSchema { Type = SchemaType.String }));

        Assert.Equal(
            """{"type":"object","properties":{"city":{"type":"string","description":"City name"},"days":{"type":"integer","default":3},"country":{"type":"string"}},"required":["city","country"],"additionalProperties":false}""",
            json);
    }

    [Fact]
    public void BuildInputSchema_AllOptional_OmitsRequired()
    {
        Assert.Equal(
            """{"type":"object","properties":{"q":{"type":"string","default":"x"}},"additionalProperties":false}""",
            Input(Param("q", new TypeSchema { Type = SchemaType.String, Default = Json("\"x\"") })));
    }

    [Fact]
    public void BuildInputSchema_StringEnumWithDescription_KeepsDescriptionExamplesAndEnum()
    {
        var schema = new TypeSchema
        {
            Type = SchemaType.String,
            Description = "Temperature unit",
            Enum = JsonList("""["celsius","fahrenheit"]"""),
            Examples = JsonList("""["celsius"]"""),
        };

        Assert.Equal(
            """{"type":"object","properties":{"unit":{"type":"string","description":"Temperature unit","enum":["celsius","fahrenheit"],"examples":["celsius"]}},"required":["unit"],"additionalProperties":false}""",
            Input(Param("unit", schema)));
    }

    [Fact]
    public void BuildInputSchema_RequiredParameter_IsNotNullable()
    {
        Assert.Equal(
            """{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"],"additionalProperties":false}""",
            Input(Param("id", Int)));
    }

    [Fact]
    public void BuildInputSchema_NullableParameter_AdvertisesNullType()
    {
        Assert.Equal(
            """{"type":"object","properties":{"id":{"type":["integer","null"]}},"required":["id"],"additionalProperties":false}""",
            Input(Param("id", new TypeSchema { Type = SchemaType.Integer, Nullable = true })));
    }

    [Fact]
    public void BuildInputSchema_NullDefault_IsOptionalAndNullable()
    {
        Assert.Equal(
            """{"type":"object","properties":{"since":{"type":["string","null"],"format":"date","default":null}},"additionalProperties":false}""",
            Input(Param("since", new TypeSchema { Type = SchemaType.String, Format = SchemaFormat.Date, Default = Json("null") })));
    }

    [Fact]
    public void BuildInputSchema_NullableEnum_IncludesNullInTheEnum()
    {
        var schema = new TypeSchema { Type = SchemaType.String, Nullable = true, Enum = JsonList("""["a","b"]""") };

        Assert.Equal(
            """{"type":"object","properties":{"mode":{"type":["string","null"],"enum":["a","b",null]}},"required":["mode"],"additionalProperties":false}""",
            Input(Param("mode", schema)));
    }

    [Theory]
    [InlineData(SchemaFormat.Date, "date")]
    [InlineData(SchemaFormat.Time, "time")]
    [InlineData(SchemaFormat.DateTime, "date-time")]
    [InlineData(SchemaFormat.Email, "email")]
    [InlineData(SchemaFormat.Uri, "uri")]
    [InlineData(SchemaFormat.Duration, "duration")]
    public void BuildInputSchema_Format_IsAdvertised(SchemaFormat format, string name)
    {
        Assert.Equal(
            "{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"string\",\"format\":\"" + name + "\"}},\"required\":[\"v\"],\"additionalProperties\":false}",
            Input(Param("v", Str(format))));
    }

    [Fact]
    public void BuildInputSchema_Timestamp_IsDescribedInsteadOfAnUnknownFormat()
    {
        var json = Input(
            Param("at", Str(SchemaFormat.Timestamp)),
            Param("since", new TypeSchema { Type = SchemaType.String, Format = SchemaFormat.Timestamp, Description = "Start" }));

        Assert.Equal(
            """{"type":"object","properties":{"at":{"type":"string","description":"Unix timestamp in seconds"},"since":{"type":"string","description":"Start (Unix timestamp in seconds)"}},"required":["at","since"],"additionalProperties":false}""",
            json);
    }

    [Fact]
    public void BuildInputSchema_StringConstraints_AreAdvertised()
    {
        var schema = new TypeSchema { Type = SchemaType.String, MinLength = 2, MaxLength = 8, Pattern = "^[A-Z]+$" };

        Assert.Equal(
            """{"type":"object","properties":{"code":{"type":"string","minLength":2,"maxLength":8,"pattern":"^[A-Z]+$"}},"required":["code"],"additionalProperties":false}""",
            Input(Param("code", schema)));
    }

    [Fact]
    public void BuildInputSchema_NumberConstraints_AreAdvertisedIntegralAsIntegers()
    {
        var schema = new TypeSchema
        {
            Type = SchemaType.Number,
            Minimum = 0,
            Maximum = 100,
            ExclusiveMinimum = -0.5,
            ExclusiveMaximum = 100.5,
            MultipleOf = 0.25,
        };

        Assert.Equal(
            """{"type":"object","properties":{"p":{"type":"number","minimum":0,"maximum":100,"exclusiveMinimum":-0.5,"exclusiveMaximum":100.5,"multipleOf":0.25}},"required":["p"],"additionalProperties":false}""",
            Input(Param("p", schema)));
    }

    [Fact]
    public void BuildInputSchema_ConstraintsOfOtherTypes_AreNotAdvertised()
    {
        var schema = new TypeSchema { Type = SchemaType.Integer, MinLength = 3, Pattern = "x", Format = SchemaFormat.Email, MinItems = 1 };

        Assert.Equal(
            """{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"],"additionalProperties":false}""",
            Input(Param("n", schema)));
    }

    [Fact]
    public void BuildInputSchema_ArrayOfNestedObjects_IsFullyDescribed()
    {
        var line = new TypeSchema
        {
            Type = SchemaType.Object,
            Description = "An order line",
            Properties = new Dictionary<string, TypeSchema>
            {
                ["sku"] = new() { Type = SchemaType.String, Pattern = "^[A-Z]{3}-\\d+$" },
                ["qty"] = new() { Type = SchemaType.Integer, Minimum = 1, Default = Json("1") },
                ["note"] = new() { Type = SchemaType.String, Nullable = true },
            },
            Required = ["sku"],
            AdditionalProperties = false,
        };
        var lines = new TypeSchema { Type = SchemaType.Array, Items = line, MinItems = 1, MaxItems = 50, UniqueItems = true };

        Assert.Equal(
            """{"type":"object","properties":{"lines":{"type":"array","items":{"type":"object","description":"An order line","properties":{"sku":{"type":"string","pattern":"^[A-Z]{3}-\\d+$"},"qty":{"type":"integer","minimum":1,"default":1},"note":{"type":["string","null"]}},"required":["sku"],"additionalProperties":false},"minItems":1,"maxItems":50,"uniqueItems":true}},"required":["lines"],"additionalProperties":false}""",
            Input(Param("lines", lines)));
    }

    [Fact]
    public void BuildInputSchema_ObjectWithoutProperties_AdvertisesDeclaredAdditionalProperties()
    {
        Assert.Equal(
            """{"type":"object","properties":{"a":{"type":"object"},"b":{"type":"object","additionalProperties":true},"c":{"type":"array"}},"required":["a","b","c"],"additionalProperties":false}""",
            Input(
                Param("a", new TypeSchema { Type = SchemaType.Object }),
                Param("b", new TypeSchema { Type = SchemaType.Object, AdditionalProperties = true }),
                Param("c", ArrayOf(null))));
    }

    [Fact]
    public void BuildInputSchema_ComplexDefaultAndExamples_AreWrittenAsJson()
    {
        var schema = new TypeSchema
        {
            Type = SchemaType.Array,
            Items = Str(),
            Default = Json("""["a", "b"]"""),
            Examples = [Json("""["x"]"""), Json("[]")],
        };

        Assert.Equal(
            """{"type":"object","properties":{"tags":{"type":"array","items":{"type":"string"},"default":["a","b"],"examples":[["x"],[]]}},"additionalProperties":false}""",
            Input(Param("tags", schema)));
    }

    [Fact]
    public void BuildInputSchema_NonAsciiDescription_IsNotEscaped()
    {
        Assert.Equal(
            """{"type":"object","properties":{"v":{"type":"string","description":"Café <b> & 'ok'"}},"required":["v"],"additionalProperties":false}""",
            Input(Param("v", new TypeSchema { Type = SchemaType.String, Description = "Café <b> & 'ok'" })));
    }

    [Fact]
    public void BuildInputSchema_Result_IsAStandaloneElement()
    {
        var schema = JsonSchemaBuilder.BuildInputSchema([Param("a", Str())]);

        Assert.Equal(JsonValueKind.Object, schema.ValueKind);
        Assert.Equal("object", schema.GetProperty("type").GetString());
    }

    // output

    [Fact]
    public void BuildOutputSchema_NoReturn_IsNull()
    {
        Assert.Null(Output(null));
    }

    [Fact]
    public void BuildOutputSchema_Object_IsTheObjectWithOptionalPropertiesNullable()
    {
        var schema = new TypeSchema
        {
            Type = SchemaType.Object,
            Description = "A user",
            Properties = new Dictionary<string, TypeSchema>
            {
                ["id"] = Int,
                ["email"] = new() { Type = SchemaType.String, Format = SchemaFormat.Email },
            },
            Required = ["id"],
        };

        Assert.Equal(
            """{"type":"object","description":"A user","properties":{"id":{"type":"integer"},"email":{"type":["string","null"],"format":"email"}},"required":["id"]}""",
            Output(schema));
    }

    [Fact]
    public void BuildOutputSchema_Array_IsWrappedAsResult()
    {
        var row = new TypeSchema
        {
            Type = SchemaType.Object,
            Properties = new Dictionary<string, TypeSchema> { ["name"] = Str(), ["price"] = Num },
            Required = ["name", "price"],
        };

        Assert.Equal(
            """{"type":"object","properties":{"result":{"type":["array","null"],"items":{"type":"object","properties":{"name":{"type":"string"},"price":{"type":"number"}},"required":["name","price"]}}},"required":["result"]}""",
            Output(ArrayOf(row)));
    }

    [Fact]
    public void BuildOutputSchema_Scalar_IsWrappedAsNullableResult()
    {
        var schema = new TypeSchema { Type = SchemaType.Number, Description = "Average price", Minimum = 0 };

        Assert.Equal(
            """{"type":"object","properties":{"result":{"type":["number","null"],"description":"Average price","minimum":0}},"required":["result"]}""",
            Output(schema));
    }

    [Fact]
    public void BuildOutputSchema_ScalarEnum_IncludesNull()
    {
        var schema = new TypeSchema { Type = SchemaType.String, Enum = JsonList("""["ok","failed"]""") };

        Assert.Equal(
            """{"type":"object","properties":{"result":{"type":["string","null"],"enum":["ok","failed",null]}},"required":["result"]}""",
            Output(schema));
    }

    [Theory]
    [InlineData(SchemaType.Object, false)]
    [InlineData(SchemaType.Array, true)]
    [InlineData(SchemaType.String, true)]
    [InlineData(SchemaType.Number, true)]
    [InlineData(SchemaType.Integer, true)]
    [InlineData(SchemaType.Boolean, true)]
    public void WrapsResult_EveryTypeButObject_IsWrapped(SchemaType type, bool expected)
    {
        Assert.Equal(expected, JsonSchemaBuilder.WrapsResult(new TypeSchema { Type = type }));
    }
    [Fact]
    public void BuildOutputSchema_MaskedField_AlsoAdmitsTheMask()
    {
        var schema = new TypeSchema
        {
            Type = SchemaType.Object,
            Properties = new Dictionary<string, TypeSchema>
            {
                ["id"] = Int,
                ["email"] = new() { Type = SchemaType.String, Format = SchemaFormat.Email, Description = "E-mail" },
            },
            Required = ["id", "email"],
        };
        var policies = new PolicySet { Output = [new PolicyRule("user.role != 'admin'", PolicyAction.MaskFields, null, ["email"])] };

        Assert.Equal(
            """{"type":"object","properties":{"id":{"type":"integer"},"email":{"description":"E-mail","anyOf":[{"type":"string","description":"E-mail","format":"email"},{"const":"****"}]}},"required":["id","email"]}""",
            JsonSchemaBuilder.BuildOutputSchema(schema, policies)?.GetRawText());
    }

    [Fact]
    public void BuildOutputSchema_FilteredAndSensitiveFields_AreNotRequired()
    {
        var row = new TypeSchema
        {
            Type = SchemaType.Object,
            Properties = new Dictionary<string, TypeSchema>
            {
                ["id"] = Int,
                ["name"] = Str(),
                ["ssn"] = new() { Type = SchemaType.String, Sensitive = true },
                ["tags"] = ArrayOf(new TypeSchema { Type = SchemaType.String, Sensitive = true }),
            },
            Required = ["id", "name", "ssn"],
        };
        var policies = new PolicySet
        {
            Output =
            [
                new PolicyRule("true", PolicyAction.FilterFields, null, ["name"]),
                new PolicyRule("true", PolicyAction.FilterSensitiveFields, null, []),
            ],
        };

        var output = JsonSchemaBuilder.BuildOutputSchema(ArrayOf(row), policies)!.Value;

        var items = output.GetProperty("properties").GetProperty("result").GetProperty("items");
        Assert.Equal("""["id"]""", items.GetProperty("required").GetRawText());
        Assert.Equal("""["string","null"]""", items.GetProperty("properties").GetProperty("tags").GetProperty("items").GetProperty("type").GetRawText());
    }

    [Fact]
    public void BuildOutputSchema_MaskOfANestedField_ChangesNothing()
    {
        // mask_fields acts on the top-level object only, as the action does.
        var inner = new TypeSchema { Type = SchemaType.Object, Properties = new Dictionary<string, TypeSchema> { ["email"] = Str(SchemaFormat.Email) } };
        var schema = new TypeSchema { Type = SchemaType.Object, Properties = new Dictionary<string, TypeSchema> { ["owner"] = inner } };
        var policies = new PolicySet { Output = [new PolicyRule("true", PolicyAction.MaskFields, null, ["email"])] };

        Assert.Equal(JsonSchemaBuilder.BuildOutputSchema(schema)?.GetRawText(), JsonSchemaBuilder.BuildOutputSchema(schema, policies)?.GetRawText());
    }
}
