using Mxcp.Abstractions;
using Mxcp.Runtime.Types;
using static Mxcp.Runtime.Tests.Types.TypeTestData;

namespace Mxcp.Runtime.Tests.Types;

public sealed class TypeSchemaCheckerTests
{
    [Fact]
    public void CheckParameters_ValidSchemas_ReportNothing()
    {
        var parameters = new[]
        {
            Param("q", new TypeSchema { Type = SchemaType.String, Pattern = "^\\w+$", MinLength = 1, MaxLength = 10, Default = Json("\"abc\"") }),
            Param("unit", new TypeSchema { Type = SchemaType.String, Enum = JsonList("""["c","f"]"""), Default = Json("\"c\"") }),
            Param("since", new TypeSchema { Type = SchemaType.String, Format = SchemaFormat.Date, Default = Json("null") }),
            Param("n", new TypeSchema { Type = SchemaType.Integer, Minimum = 1, Maximum = 1, MultipleOf = 1, Enum = JsonList("[1]") }),
            Param("o", new TypeSchema
            {
                Type = SchemaType.Object,
                Properties = Obj(("a", Int)).Properties,
                Required = ["a"],
                Default = Json("""{"a": 1}"""),
            }),
        };

        Assert.Empty(TypeSchemaChecker.CheckParameters(parameters));
    }

    [Fact]
    public void CheckParameters_InvalidPattern_IsReported()
    {
        var problems = TypeSchemaChecker.CheckParameters([Param("q", new TypeSchema { Type = SchemaType.String, Pattern = "([a-z" })]);

        var problem = Assert.Single(problems);
        Assert.StartsWith("parameters.q.pattern: not a valid regular expression: ", problem);
    }

    [Fact]
    public void CheckParameters_DefaultBreakingAConstraint_IsReported()
    {
        var problems = TypeSchemaChecker.CheckParameters(
        [
            Param("limit", new TypeSchema { Type = SchemaType.Integer, Minimum = 1, Default = Json("0") }),
            Param("unit", new TypeSchema { Type = SchemaType.String, Enum = JsonList("""["c","f"]"""), Default = Json("\"k\"") }),
            Param("day", new TypeSchema { Type = SchemaType.String, Format = SchemaFormat.Date, Default = Json("\"tomorrow\"") }),
        ]);

        Assert.Equal(
            [
                "parameters.limit.default: Value must be >= 1",
                "parameters.unit.default: Value must be one of: ['c', 'f']",
                "parameters.day.default: Invalid date format: 'tomorrow' (expected YYYY-MM-DD)",
            ],
            problems);
    }

    [Fact]
    public void Check_NestedDefault_NamesThePropertyPath()
    {
        var schema = new TypeSchema
        {
            Type = SchemaType.Object,
            Properties = Obj(("qty", new TypeSchema { Type = SchemaType.Integer, Minimum = 1 })).Properties,
            Default = Json("""{"qty": 0}"""),
        };

        Assert.Equal(["filter.default.qty: Value must be >= 1"], TypeSchemaChecker.Check(schema, "filter"));
    }

    [Fact]
    public void Check_EnumValuesOfTheWrongType_AreReported()
    {
        var schema = new TypeSchema { Type = SchemaType.Integer, Enum = JsonList("""[1, "two", 3.5, null]""") };

        Assert.Equal(
            [
                "n.enum[1]: Expected integer, got string",
                "n.enum[2]: Expected integer, got 3.5",
                "n.enum[3]: Expected integer, got null",
            ],
            TypeSchemaChecker.Check(schema, "n"));
    }

    [Fact]
    public void Check_NumberInStringEnum_IsReported()
    {
        var schema = new TypeSchema { Type = SchemaType.String, Enum = JsonList("""["a", 5]""") };

        Assert.Equal(["s.enum[1]: 5 is not a string"], TypeSchemaChecker.Check(schema, "s"));
    }

    [Fact]
    public void Check_NullInNullableEnum_IsAccepted()
    {
        Assert.Empty(TypeSchemaChecker.Check(new TypeSchema { Type = SchemaType.String, Nullable = true, Enum = JsonList("""["a", null]""") }, "s"));
    }

    [Fact]
    public void Check_ContradictoryBounds_AreReported()
    {
        var text = new TypeSchema { Type = SchemaType.String, MinLength = 5, MaxLength = 3 };
        var list = new TypeSchema { Type = SchemaType.Array, MinItems = -1, MaxItems = 2 };
        var number = new TypeSchema { Type = SchemaType.Number, Minimum = 10, Maximum = 1, MultipleOf = 0 };

        Assert.Equal(["t.minLength: 5 is greater than maxLength 3"], TypeSchemaChecker.Check(text, "t"));
        Assert.Equal(["l.minItems: must be >= 0"], TypeSchemaChecker.Check(list, "l"));
        Assert.Equal(["n.minimum: 10 is greater than maximum 1", "n.multipleOf: must be greater than 0"], TypeSchemaChecker.Check(number, "n"));
    }

    [Fact]
    public void Check_FormatOnNonString_IsReported()
    {
        Assert.Equal(
            ["n.format: 'date' applies only to strings"],
            TypeSchemaChecker.Check(new TypeSchema { Type = SchemaType.Integer, Format = SchemaFormat.Date }, "n"));
    }

    [Fact]
    public void Check_RequiredPropertyNotDeclared_IsReported()
    {
        var schema = new TypeSchema { Type = SchemaType.Object, Properties = Obj(("id", Int)).Properties, Required = ["id", "name"] };

        Assert.Equal(["return.required: 'name' is not a declared property"], TypeSchemaChecker.Check(schema, "return"));
    }

    [Fact]
    public void Check_NestedSchemas_AreCheckedWithTheirPath()
    {
        var row = Obj(("code", new TypeSchema { Type = SchemaType.String, Pattern = "(" }));

        var problem = Assert.Single(TypeSchemaChecker.Check(ArrayOf(row), "return"));

        Assert.StartsWith("return.items.properties.code.pattern: not a valid regular expression: ", problem);
    }
}
