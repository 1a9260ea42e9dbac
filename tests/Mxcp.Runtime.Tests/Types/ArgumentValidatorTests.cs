using Mxcp.Abstractions;
using Mxcp.Runtime.Types;
using static Mxcp.Runtime.Tests.Types.TypeTestData;

namespace Mxcp.Runtime.Tests.Types;

public sealed class ArgumentValidatorTests
{
    private static IReadOnlyDictionary<string, object?> Validate(string args, params ParameterDefinition[] parameters) =>
        ArgumentValidator.Validate(parameters, Args(args));

    private static ArgumentValidationException Error(string args, params ParameterDefinition[] parameters) =>
        Assert.Throws<ArgumentValidationException>(() => ArgumentValidator.Validate(parameters, Args(args)));

    [Fact]
    public void Validate_ValidArguments_ReturnsEveryParameterInDeclarationOrder()
    {
        var result = Validate(
            """{"b": 2, "a": "x"}""",
            Param("a", Str()),
            Param("b", Int),
            Param("c", new TypeSchema { Type = SchemaType.Boolean, Default = Json("true") }));

        Assert.Equal(["a", "b", "c"], result.Keys);
        Assert.Equal("""{"a":"x","b":2,"c":true}""", ToJson(result));
    }

    [Fact]
    public void Validate_NullArguments_AppliesDefaults()
    {
        var result = ArgumentValidator.Validate(
            [Param("limit", new TypeSchema { Type = SchemaType.Integer, Default = Json("10") })], null);

        Assert.Equal(10L, result["limit"]);
    }

    [Fact]
    public void Validate_NoParametersNoArguments_ReturnsEmpty()
    {
        Assert.Empty(ArgumentValidator.Validate([], null));
    }

    [Fact]
    public void Validate_DefaultIsConvertedLikeAnArgument()
    {
        var result = Validate("{}", Param("since", new TypeSchema { Type = SchemaType.String, Format = SchemaFormat.Date, Default = Json("\"2024-01-15\"") }));

        Assert.Equal(new DateOnly(2024, 1, 15), result["since"]);
    }

    [Fact]
    public void Validate_MissingRequired_ThrowsRequiredParameterMissing()
    {
        var e = Error("{}", Param("city", Str()));

        Assert.Equal("Required parameter missing: city", e.Message);
        Assert.Equal("city", e.ParameterName);
        Assert.Equal(ValidationRule.Required, e.Rule);
        Assert.Null(e.Path);
    }

    [Fact]
    public void Validate_MissingRequiredAndUnknown_ReportsMissingFirst()
    {
        var e = Error("""{"town": "Paris"}""", Param("city", Str()));

        Assert.Equal("Required parameter missing: city", e.Message);
    }

    [Fact]
    public void Validate_UnknownArgument_ThrowsUnknownParameter()
    {
        var e = Error("""{"city": "Paris", "country": "FR"}""", Param("city", Str()));

        Assert.Equal("Unknown parameter: country", e.Message);
        Assert.Equal("country", e.ParameterName);
        Assert.Equal(ValidationRule.Unknown, e.Rule);
    }

    [Fact]
    public void Validate_UnknownArgumentAndInvalidValue_ReportsUnknownFirst()
    {
        var e = Error("""{"n": "abc", "zzz": 1}""", Param("n", Int));

        Assert.Equal("Unknown parameter: zzz", e.Message);
    }

    [Fact]
    public void Validate_ParameterNamesAreCaseSensitive()
    {
        var e = Error("""{"City": "Paris", "city": "Paris"}""", Param("city", Str()));

        Assert.Equal("Unknown parameter: City", e.Message);
    }

    [Fact]
    public void Validate_InvalidValue_WrapsDetailWithParameterName()
    {
        var e = Error("""{"age": -1}""", Param("age", new TypeSchema { Type = SchemaType.Integer, Minimum = 0 }));

        Assert.Equal("Error validating parameter 'age': Value must be >= 0", e.Message);
        Assert.Equal("age", e.ParameterName);
        Assert.Equal(ValidationRule.Minimum, e.Rule);
        Assert.Null(e.Path);
    }

    [Fact]
    public void Validate_FirstInvalidParameterInDeclarationOrder_IsReported()
    {
        var e = Error("""{"b": "x", "a": "y"}""", Param("a", Int), Param("b", Int));

        Assert.Equal("Error validating parameter 'a': Expected integer, got string", e.Message);
    }

    [Fact]
    public void Validate_NestedError_NamesThePathFromTheParameter()
    {
        var item = Obj(("price", new TypeSchema { Type = SchemaType.Number, Minimum = 0 }));
        var e = Error(
            """{"items": [{"price": 1}, {"price": 2}, {"price": -5}]}""",
            Param("items", ArrayOf(item)));

        Assert.Equal("Error validating parameter 'items': items[2].price: Value must be >= 0", e.Message);
        Assert.Equal("items[2].price", e.Path);
        Assert.Equal(ValidationRule.Minimum, e.Rule);
    }

    [Fact]
    public void Validate_NestedPropertyWithUnusualName_IsQuotedInThePath()
    {
        var schema = Obj(("unit price", Num));
        var e = Error("""{"order": {"unit price": "cheap"}}""", Param("order", schema));

        Assert.Equal("""Error validating parameter 'order': order["unit price"]: Expected number, got string""", e.Message);
    }

    // enum

    [Fact]
    public void Validate_StringNotInEnum_ThrowsReferenceMessage()
    {
        var schema = new TypeSchema { Type = SchemaType.String, Enum = JsonList("""["celsius", "fahrenheit"]""") };
        var e = Error("""{"unit": "kelvin"}""", Param("unit", schema));

        Assert.Equal("Invalid value for unit. Must be one of: ['celsius', 'fahrenheit']", e.Message);
        Assert.Equal(ValidationRule.Enum, e.Rule);
    }

    [Fact]
    public void Validate_ValueInEnum_IsAccepted()
    {
        var schema = new TypeSchema { Type = SchemaType.String, Enum = JsonList("""["celsius", "fahrenheit"]""") };

        Assert.Equal("celsius", Validate("""{"unit": "celsius"}""", Param("unit", schema))["unit"]);
    }

    [Fact]
    public void Validate_EnumIsComparedAfterCoercion()
    {
        var integerEnum = new TypeSchema { Type = SchemaType.Integer, Enum = JsonList("[1, 2, 3]") };
        var stringEnum = new TypeSchema { Type = SchemaType.String, Enum = JsonList("""["1", "2"]""") };

        var result = Validate("""{"level": "2", "code": 1}""", Param("level", integerEnum), Param("code", stringEnum));

        Assert.Equal(2L, result["level"]);
        Assert.Equal("1", result["code"]);
    }

    [Fact]
    public void Validate_UnconvertibleValueWithEnum_ThrowsEnumMessage()
    {
        var schema = new TypeSchema { Type = SchemaType.Integer, Enum = JsonList("[1, 2, 3]") };
        var e = Error("""{"level": "high"}""", Param("level", schema));

        Assert.Equal("Invalid value for level. Must be one of: [1, 2, 3]", e.Message);
    }

    [Fact]
    public void Validate_NumberEnumMatchesIntegralValues()
    {
        var schema = new TypeSchema { Type = SchemaType.Number, Enum = JsonList("[0.5, 1, 2]") };

        Assert.Equal(1.0, Validate("""{"x": 1.0}""", Param("x", schema))["x"]);
        Assert.Equal(0.5, Validate("""{"x": "0.5"}""", Param("x", schema))["x"]);
    }

    [Fact]
    public void Validate_DateEnumComparesDates()
    {
        var schema = new TypeSchema { Type = SchemaType.String, Format = SchemaFormat.Date, Enum = JsonList("""["2024-01-01", "2024-07-01"]""") };

        Assert.Equal(new DateOnly(2024, 7, 1), Validate("""{"d": "2024-07-01"}""", Param("d", schema))["d"]);
        Assert.Equal(
            "Invalid value for d. Must be one of: ['2024-01-01', '2024-07-01']",
            Error("""{"d": "2024-07-02"}""", Param("d", schema)).Message);
    }

    [Fact]
    public void Validate_NestedEnum_NamesThePath()
    {
        var schema = Obj(("status", new TypeSchema { Type = SchemaType.String, Enum = JsonList("""["open", "closed"]""") }));
        var e = Error("""{"filter": {"status": "pending"}}""", Param("filter", schema));

        Assert.Equal("Error validating parameter 'filter': filter.status: Value must be one of: ['open', 'closed']", e.Message);
        Assert.Equal(ValidationRule.Enum, e.Rule);
    }

    [Fact]
    public void Validate_NullableEnum_AcceptsNull()
    {
        var schema = new TypeSchema { Type = SchemaType.String, Nullable = true, Enum = JsonList("""["a"]""") };

        Assert.Null(Validate("""{"x": null}""", Param("x", schema))["x"]);
    }

    // null

    [Fact]
    public void Validate_NullForRequiredParameter_IsRejected()
    {
        var e = Error("""{"city": null}""", Param("city", Str()));

        Assert.Equal("Error validating parameter 'city': Expected string, got null", e.Message);
        Assert.Equal(ValidationRule.Type, e.Rule);
    }

    [Fact]
    public void Validate_NullForNullableRequiredParameter_IsAccepted()
    {
        var schema = new TypeSchema { Type = SchemaType.String, Nullable = true };

        var result = Validate("""{"city": null}""", Param("city", schema));

        Assert.True(result.ContainsKey("city"));
        Assert.Null(result["city"]);
    }

    [Fact]
    public void Validate_NullForOptionalParameter_UsesTheDefault()
    {
        var schema = new TypeSchema { Type = SchemaType.Integer, Default = Json("10") };

        Assert.Equal(10L, Validate("""{"limit": null}""", Param("limit", schema))["limit"]);
    }

    [Fact]
    public void Validate_NullForParameterWithNullDefault_IsNull()
    {
        var schema = new TypeSchema { Type = SchemaType.String, Default = Json("null") };

        Assert.Null(Validate("""{"q": null}""", Param("q", schema))["q"]);
        Assert.Null(Validate("{}", Param("q", schema))["q"]);
    }

    [Fact]
    public void Validate_NullForNullableParameterWithDefault_KeepsNull()
    {
        var schema = new TypeSchema { Type = SchemaType.String, Nullable = true, Default = Json("\"all\"") };

        Assert.Null(Validate("""{"q": null}""", Param("q", schema))["q"]);
        Assert.Equal("all", Validate("{}", Param("q", schema))["q"]);
    }

    [Fact]
    public void Validate_InvalidDefault_IsReportedWithTheParameterName()
    {
        var schema = new TypeSchema { Type = SchemaType.Integer, Minimum = 5, Default = Json("1") };

        Assert.Equal("Error validating parameter 'n': Value must be >= 5", Error("{}", Param("n", schema)).Message);
    }

    [Fact]
    public void Validate_InnerExceptionCarriesTheDetail()
    {
        var e = Error("""{"n": true}""", Param("n", Int));

        Assert.IsType<SchemaViolationException>(e.InnerException);
        Assert.Equal("Expected integer, got boolean", e.InnerException!.Message);
    }
}
