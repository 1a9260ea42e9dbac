using Mxcp.Abstractions;
using Mxcp.Runtime.Types;
using static Mxcp.Runtime.Tests.Types.TypeTestData;

namespace Mxcp.Runtime.Tests.Types;

/// <summary>Coercions and constraints of one parameter <c>x</c>, as a client meets them.</summary>
public sealed class ArgumentConversionTests
{
    private static object? Convert(TypeSchema schema, string json) =>
        ArgumentValidator.Validate([Param("x", schema)], Args("{\"x\": " + json + "}"))["x"];

    private static string Fail(TypeSchema schema, string json) =>
        Assert.Throws<ArgumentValidationException>(() => Convert(schema, json)).Message;

    private static ValidationRule FailRule(TypeSchema schema, string json) =>
        Assert.Throws<ArgumentValidationException>(() => Convert(schema, json)).Rule;

    // string

    [Theory]
    [InlineData("\"hello\"", "hello")]
    [InlineData("true", "true")]
    [InlineData("false", "false")]
    [InlineData("3", "3")]
    [InlineData("2.5", "2.5")]
    [InlineData("-0.125", "-0.125")]
    [InlineData("\"\"", "")]
    public void Convert_String_CoercesScalars(string json, string expected)
    {
        Assert.Equal(expected, Convert(Str(), json));
    }

    [Theory]
    [InlineData("[1]", "Error validating parameter 'x': Expected string, got array")]
    [InlineData("{\"a\": 1}", "Error validating parameter 'x': Expected string, got object")]
    public void Convert_String_RejectsStructures(string json, string expected)
    {
        Assert.Equal(expected, Fail(Str(), json));
    }

    [Fact]
    public void Convert_ArrayOfStrings_CoercesRecursively()
    {
        var schema = ArrayOf(Obj(("code", Str())));

        Assert.Equal("""[{"code":"42"},{"code":"true"}]""", ToJson(Convert(schema, """[{"code": 42}, {"code": true}]""")));
    }

    [Theory]
    [InlineData("\"ab\"", "Error validating parameter 'x': String must be at least 3 characters long")]
    [InlineData("\"abcdef\"", "Error validating parameter 'x': String must be at most 5 characters long")]
    public void Convert_StringLength_IsChecked(string json, string expected)
    {
        var schema = new TypeSchema { Type = SchemaType.String, MinLength = 3, MaxLength = 5 };

        Assert.Equal(expected, Fail(schema, json));
    }

    [Fact]
    public void Convert_StringLengthOne_UsesSingular()
    {
        var schema = new TypeSchema { Type = SchemaType.String, MinLength = 1 };

        Assert.Equal("Error validating parameter 'x': String must be at least 1 character long", Fail(schema, "\"\""));
    }

    [Fact]
    public void Convert_StringLength_CountsCodePoints()
    {
        var schema = new TypeSchema { Type = SchemaType.String, MaxLength = 2 };

        Assert.Equal("😀😀", Convert(schema, "\"😀😀\""));
    }

    [Fact]
    public void Convert_CoercedNumber_IsLengthChecked()
    {
        var schema = new TypeSchema { Type = SchemaType.String, MaxLength = 2 };

        Assert.Equal("Error validating parameter 'x': String must be at most 2 characters long", Fail(schema, "12345"));
    }

    [Fact]
    public void Convert_FormattedString_IsLengthChecked()
    {
        var schema = new TypeSchema { Type = SchemaType.String, Format = SchemaFormat.Email, MaxLength = 10 };

        Assert.Equal("Error validating parameter 'x': String must be at most 10 characters long", Fail(schema, "\"someone@example.com\""));
    }

    [Theory]
    [InlineData("\"AB-123\"")]
    [InlineData("\"xx AB-1 yy\"")]
    public void Convert_PatternMatchesAnywhere_IsAccepted(string json)
    {
        var schema = new TypeSchema { Type = SchemaType.String, Pattern = "[A-Z]{2}-\\d+" };

        Assert.NotNull(Convert(schema, json));
    }

    [Fact]
    public void Convert_PatternMismatch_IsRejected()
    {
        var schema = new TypeSchema { Type = SchemaType.String, Pattern = "^[A-Z]{2}-\\d+$" };

        Assert.Equal("Error validating parameter 'x': String does not match pattern '^[A-Z]{2}-\\d+$'", Fail(schema, "\"ab-123\""));
        Assert.Equal(ValidationRule.Pattern, FailRule(schema, "\"ab-123\""));
    }

    [Fact]
    public void Convert_PatternOnCoercedNumber_IsChecked()
    {
        var schema = new TypeSchema { Type = SchemaType.String, Pattern = "^\\d{5}$" };

        Assert.Equal("75001", Convert(schema, "75001"));
        Assert.Equal("Error validating parameter 'x': String does not match pattern '^\\d{5}$'", Fail(schema, "7500"));
    }

    [Fact]
    public void Convert_PatternWithLookahead_UsesTheBacktrackingEngine()
    {
        var schema = new TypeSchema { Type = SchemaType.String, Pattern = "^(?=.*\\d)(?=.*[a-z]).{8,}$" };

        Assert.Equal("abcdefg1", Convert(schema, "\"abcdefg1\""));
        Assert.Equal("Error validating parameter 'x': String does not match pattern '^(?=.*\\d)(?=.*[a-z]).{8,}$'", Fail(schema, "\"abcdefgh\""));
    }

    [Fact]
    public void Convert_InvalidPattern_ReportsTheSchemaError()
    {
        var schema = new TypeSchema { Type = SchemaType.String, Pattern = "([a-z" };
        var e = Assert.Throws<ArgumentValidationException>(() => Convert(schema, "\"abc\""));

        Assert.StartsWith("Error validating parameter 'x': Invalid pattern '([a-z' in the schema: ", e.Message);
        Assert.Equal(ValidationRule.InvalidSchema, e.Rule);
    }

    // formats

    [Theory]
    [InlineData("\"2024-02-29\"", 2024, 2, 29)]
    [InlineData("\"0001-01-01\"", 1, 1, 1)]
    public void Convert_Date_ReturnsDateOnly(string json, int year, int month, int day)
    {
        Assert.Equal(new DateOnly(year, month, day), Convert(Str(SchemaFormat.Date), json));
    }

    [Theory]
    [InlineData("\"2024-13-01\"", "Error validating parameter 'x': Invalid date format: '2024-13-01' (expected YYYY-MM-DD)")]
    [InlineData("\"2023-02-29\"", "Error validating parameter 'x': Invalid date format: '2023-02-29' (expected YYYY-MM-DD)")]
    [InlineData("\"2024-1-5\"", "Error validating parameter 'x': Invalid date format: '2024-1-5' (expected YYYY-MM-DD)")]
    [InlineData("\"2024-01-15T10:00:00Z\"", "Error validating parameter 'x': Invalid date format: '2024-01-15T10:00:00Z' (expected YYYY-MM-DD)")]
    [InlineData("20240115", "Error validating parameter 'x': Invalid date format: '20240115' (expected YYYY-MM-DD)")]
    public void Convert_InvalidDate_IsRejected(string json, string expected)
    {
        Assert.Equal(expected, Fail(Str(SchemaFormat.Date), json));
    }

    [Fact]
    public void Convert_InvalidSensitiveDate_DoesNotEchoTheValue()
    {
        var schema = new TypeSchema { Type = SchemaType.String, Format = SchemaFormat.Date, Sensitive = true };

        Assert.Equal("Error validating parameter 'x': Invalid date format (expected YYYY-MM-DD)", Fail(schema, "\"1980-02-30\""));
    }

    [Theory]
    [InlineData("\"10:30:00\"", "10:30:00")]
    [InlineData("\"23:59:59.5\"", "23:59:59.5")]
    [InlineData("\"00:00:00.1234567\"", "00:00:00.1234567")]
    public void Convert_Time_ReturnsTimeOnly(string json, string expected)
    {
        var value = Assert.IsType<TimeOnly>(Convert(Str(SchemaFormat.Time), json));

        Assert.Equal(expected, JsonValues.FormatTime(value));
    }

    [Theory]
    [InlineData("\"25:00:00\"")]
    [InlineData("\"10:30\"")]
    [InlineData("\"10:30:00Z\"")]
    public void Convert_InvalidTime_IsRejected(string json)
    {
        var text = json.Trim('"');

        Assert.Equal("Error validating parameter 'x': Invalid time format: '" + text + "' (expected HH:MM:SS)", Fail(Str(SchemaFormat.Time), json));
    }

    [Theory]
    [InlineData("\"2024-01-15T10:30:00Z\"", "2024-01-15T10:30:00Z")]
    [InlineData("\"2024-01-15T10:30:00.25+02:00\"", "2024-01-15T10:30:00.25+02:00")]
    [InlineData("\"2024-01-15T10:30:00-0500\"", "2024-01-15T10:30:00-05:00")]
    [InlineData("\"2024-01-15t10:30:00z\"", "2024-01-15T10:30:00Z")]
    [InlineData("\"2024-01-15 10:30:00\"", "2024-01-15T10:30:00Z")]
    [InlineData("\"2024-01-15T10:30\"", "2024-01-15T10:30:00Z")]
    [InlineData("\"2024-01-15\"", "2024-01-15T00:00:00Z")]
    public void Convert_DateTime_ReturnsDateTimeOffsetAndReadsNoOffsetAsUtc(string json, string expected)
    {
        var value = Assert.IsType<DateTimeOffset>(Convert(Str(SchemaFormat.DateTime), json));

        Assert.Equal(expected, JsonValues.FormatDateTime(value));
    }

    [Theory]
    [InlineData("\"yesterday\"")]
    [InlineData("\"2024-01-15T25:00:00Z\"")]
    [InlineData("\"15/01/2024\"")]
    public void Convert_InvalidDateTime_IsRejected(string json)
    {
        var text = json.Trim('"');

        Assert.Equal(
            "Error validating parameter 'x': Invalid date-time format: '" + text + "' (expected ISO 8601, e.g. 2024-01-15T10:30:00Z)",
            Fail(Str(SchemaFormat.DateTime), json));
    }

    [Theory]
    [InlineData("1700000000", "2023-11-14T22:13:20Z")]
    [InlineData("\"1700000000\"", "2023-11-14T22:13:20Z")]
    [InlineData("1700000000.5", "2023-11-14T22:13:20.5Z")]
    [InlineData("0", "1970-01-01T00:00:00Z")]
    [InlineData("-86400", "1969-12-31T00:00:00Z")]
    [InlineData("\"2023-11-14T22:13:20Z\"", "2023-11-14T22:13:20Z")]
    public void Convert_Timestamp_ReturnsUtcDateTimeOffset(string json, string expected)
    {
        var value = Assert.IsType<DateTimeOffset>(Convert(Str(SchemaFormat.Timestamp), json));

        Assert.Equal(TimeSpan.Zero, value.Offset);
        Assert.Equal(expected, JsonValues.FormatDateTime(value));
    }

    [Theory]
    [InlineData("\"soon\"", "Error validating parameter 'x': Invalid timestamp: 'soon' (expected Unix seconds or an ISO 8601 date-time)")]
    [InlineData("1e20", "Error validating parameter 'x': Invalid timestamp: '1E+20' (out of range)")]
    public void Convert_InvalidTimestamp_IsRejected(string json, string expected)
    {
        Assert.Equal(expected, Fail(Str(SchemaFormat.Timestamp), json));
    }

    [Theory]
    [InlineData("someone@example.com")]
    [InlineData("first.last+tag@sub.example.co.uk")]
    public void Convert_Email_StaysString(string email)
    {
        Assert.Equal(email, Convert(Str(SchemaFormat.Email), "\"" + email + "\""));
    }

    [Theory]
    [InlineData("someone")]
    [InlineData("someone@example")]
    [InlineData("some one@example.com")]
    [InlineData("@example.com")]
    [InlineData("a@b@example.com")]
    public void Convert_InvalidEmail_IsRejected(string email)
    {
        Assert.Equal("Error validating parameter 'x': Invalid email format", Fail(Str(SchemaFormat.Email), "\"" + email + "\""));
        Assert.Equal(ValidationRule.Format, FailRule(Str(SchemaFormat.Email), "\"" + email + "\""));
    }

    [Theory]
    [InlineData("https://example.com/a?b=c")]
    [InlineData("mailto:someone@example.com")]
    [InlineData("urn:isbn:0451450523")]
    [InlineData("s3://bucket/key")]
    public void Convert_Uri_StaysString(string uri)
    {
        Assert.Equal(uri, Convert(Str(SchemaFormat.Uri), "\"" + uri + "\""));
    }

    [Theory]
    [InlineData("example.com")]
    [InlineData("/relative/path")]
    [InlineData("1http://x")]
    [InlineData("http://exa mple.com")]
    public void Convert_InvalidUri_IsRejected(string uri)
    {
        Assert.Equal("Error validating parameter 'x': Invalid URI format", Fail(Str(SchemaFormat.Uri), "\"" + uri + "\""));
    }

    [Theory]
    [InlineData("P1D")]
    [InlineData("PT2H30M")]
    [InlineData("P1Y2M3DT4H5M6S")]
    [InlineData("P2W")]
    [InlineData("PT0.5S")]
    public void Convert_Duration_StaysString(string duration)
    {
        Assert.Equal(duration, Convert(Str(SchemaFormat.Duration), "\"" + duration + "\""));
    }

    [Theory]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("P1DT")]
    [InlineData("1D")]
    [InlineData("P1H")]
    [InlineData("PT1.5H")]
    public void Convert_InvalidDuration_IsRejected(string duration)
    {
        Assert.Equal(
            "Error validating parameter 'x': Invalid duration format: '" + duration + "' (expected ISO 8601 duration, e.g. P1DT2H30M)",
            Fail(Str(SchemaFormat.Duration), "\"" + duration + "\""));
    }

    // number

    [Theory]
    [InlineData("2.5", 2.5)]
    [InlineData("3", 3.0)]
    [InlineData("\"42\"", 42.0)]
    [InlineData("\" -1.5e3 \"", -1500.0)]
    [InlineData("1e2", 100.0)]
    public void Convert_Number_ReturnsDouble(string json, double expected)
    {
        Assert.Equal(expected, Assert.IsType<double>(Convert(Num, json)));
    }

    [Theory]
    [InlineData("true", "Error validating parameter 'x': Expected number, got boolean")]
    [InlineData("\"abc\"", "Error validating parameter 'x': Expected number, got string")]
    [InlineData("\"1,5\"", "Error validating parameter 'x': Expected number, got string")]
    [InlineData("[1]", "Error validating parameter 'x': Expected number, got array")]
    [InlineData("{}", "Error validating parameter 'x': Expected number, got object")]
    [InlineData("\"NaN\"", "Error validating parameter 'x': Expected a finite number")]
    [InlineData("\"Infinity\"", "Error validating parameter 'x': Expected a finite number")]
    [InlineData("1e400", "Error validating parameter 'x': Expected a finite number")]
    public void Convert_InvalidNumber_IsRejected(string json, string expected)
    {
        Assert.Equal(expected, Fail(Num, json));
    }

    [Theory]
    [InlineData("-0.5", "Value must be >= 0", "Minimum")]
    [InlineData("100.5", "Value must be <= 100", "Maximum")]
    public void Convert_NumberInclusiveBounds_AreChecked(string json, string detail, string rule)
    {
        var schema = new TypeSchema { Type = SchemaType.Number, Minimum = 0, Maximum = 100 };

        Assert.Equal("Error validating parameter 'x': " + detail, Fail(schema, json));
        Assert.Equal(Enum.Parse<ValidationRule>(rule), FailRule(schema, json));
        Assert.Equal(0.0, Convert(schema, "0"));
        Assert.Equal(100.0, Convert(schema, "100"));
    }

    [Theory]
    [InlineData("0", "Value must be > 0", "ExclusiveMinimum")]
    [InlineData("1.5", "Value must be < 1.5", "ExclusiveMaximum")]
    public void Convert_NumberExclusiveBounds_AreChecked(string json, string detail, string rule)
    {
        var schema = new TypeSchema { Type = SchemaType.Number, ExclusiveMinimum = 0, ExclusiveMaximum = 1.5 };

        Assert.Equal("Error validating parameter 'x': " + detail, Fail(schema, json));
        Assert.Equal(Enum.Parse<ValidationRule>(rule), FailRule(schema, json));
        Assert.Equal(1.4, Convert(schema, "1.4"));
    }

    [Theory]
    [InlineData("0.3")]
    [InlineData("0.7")]
    [InlineData("-1.2")]
    [InlineData("10")]
    public void Convert_DecimalMultipleOf_AcceptsExactMultiples(string json)
    {
        var schema = new TypeSchema { Type = SchemaType.Number, MultipleOf = 0.1 };

        Assert.NotNull(Convert(schema, json));
    }

    [Fact]
    public void Convert_NotAMultiple_IsRejected()
    {
        var schema = new TypeSchema { Type = SchemaType.Number, MultipleOf = 0.25 };

        Assert.Equal("Error validating parameter 'x': Value must be a multiple of 0.25", Fail(schema, "0.3"));
        Assert.Equal(ValidationRule.MultipleOf, FailRule(schema, "0.3"));
    }

    // integer

    [Theory]
    [InlineData("42", 42L)]
    [InlineData("\"42\"", 42L)]
    [InlineData("\" -7 \"", -7L)]
    [InlineData("3.0", 3L)]
    [InlineData("\"3.0\"", 3L)]
    [InlineData("1e3", 1000L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    public void Convert_Integer_ReturnsLong(string json, long expected)
    {
        Assert.Equal(expected, Assert.IsType<long>(Convert(Int, json)));
    }

    [Theory]
    [InlineData("2.5", "Error validating parameter 'x': Expected integer, got 2.5")]
    [InlineData("\"2.5\"", "Error validating parameter 'x': Expected integer, got 2.5")]
    [InlineData("true", "Error validating parameter 'x': Expected integer, got boolean")]
    [InlineData("\"ten\"", "Error validating parameter 'x': Expected integer, got string")]
    [InlineData("[]", "Error validating parameter 'x': Expected integer, got array")]
    [InlineData("1e30", "Error validating parameter 'x': Integer out of range (64-bit)")]
    [InlineData("12345678901234567890", "Error validating parameter 'x': Integer out of range (64-bit)")]
    public void Convert_InvalidInteger_IsRejected(string json, string expected)
    {
        Assert.Equal(expected, Fail(Int, json));
    }

    [Fact]
    public void Convert_FractionalSensitiveInteger_DoesNotEchoTheValue()
    {
        var schema = new TypeSchema { Type = SchemaType.Integer, Sensitive = true };

        Assert.Equal("Error validating parameter 'x': Expected integer, got a number with a fractional part", Fail(schema, "1234.5"));
    }

    [Theory]
    [InlineData("4", null)]
    [InlineData("6", "Value must be a multiple of 4")]
    [InlineData("0", "Value must be >= 1")]
    [InlineData("13", "Value must be <= 12")]
    [InlineData("1", "Value must be > 1")]
    [InlineData("12", "Value must be < 12")]
    public void Convert_IntegerConstraints_AreChecked(string json, string? detail)
    {
        var four = new TypeSchema { Type = SchemaType.Integer, MultipleOf = 4 };
        var bounded = new TypeSchema { Type = SchemaType.Integer, Minimum = 1, Maximum = 12 };
        var exclusive = new TypeSchema { Type = SchemaType.Integer, ExclusiveMinimum = 1, ExclusiveMaximum = 12 };

        var schema = detail switch
        {
            null or "Value must be a multiple of 4" => four,
            "Value must be > 1" or "Value must be < 12" => exclusive,
            _ => bounded,
        };

        if (detail is null)
        {
            Assert.Equal(4L, Convert(schema, json));
        }
        else
        {
            Assert.Equal("Error validating parameter 'x': " + detail, Fail(schema, json));
        }
    }

    [Fact]
    public void Convert_IntegerMultipleOfFraction_IsChecked()
    {
        var schema = new TypeSchema { Type = SchemaType.Integer, MultipleOf = 0.5 };

        Assert.Equal(3L, Convert(schema, "3"));
    }

    // boolean

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("\"true\"", true)]
    [InlineData("\"FALSE\"", false)]
    [InlineData("\" True \"", true)]
    public void Convert_Boolean_AcceptsBooleansAndTheirNames(string json, bool expected)
    {
        Assert.Equal(expected, Convert(Bool, json));
    }

    [Theory]
    [InlineData("\"yes\"", "Error validating parameter 'x': Expected boolean (true or false), got string")]
    [InlineData("\"\"", "Error validating parameter 'x': Expected boolean (true or false), got string")]
    [InlineData("\"0\"", "Error validating parameter 'x': Expected boolean (true or false), got string")]
    [InlineData("1", "Error validating parameter 'x': Expected boolean, got number")]
    [InlineData("[]", "Error validating parameter 'x': Expected boolean, got array")]
    public void Convert_InvalidBoolean_IsRejected(string json, string expected)
    {
        Assert.Equal(expected, Fail(Bool, json));
    }

    // array

    [Fact]
    public void Convert_Array_ReturnsReadOnlyListOfConvertedItems()
    {
        var value = Convert(ArrayOf(Int), """[1, "2", 3.0]""");

        var list = Assert.IsAssignableFrom<IReadOnlyList<object?>>(value);
        Assert.Equal([1L, 2L, 3L], list);
    }

    [Fact]
    public void Convert_ArrayWithoutItemSchema_KeepsPlainJsonValues()
    {
        var value = Convert(ArrayOf(null), """[1, 2.5, "a", true, null, {"k": [1]}]""");

        Assert.Equal("""[1,2.5,"a",true,null,{"k":[1]}]""", ToJson(value));
        Assert.IsType<long>(((IReadOnlyList<object?>)value!)[0]);
    }

    [Theory]
    [InlineData("\"[1, 2]\"")]
    [InlineData("\"  [1,2]\"")]
    public void Convert_ArrayAsJsonText_IsParsed(string json)
    {
        Assert.Equal("[1,2]", ToJson(Convert(ArrayOf(Int), json)));
    }

    [Theory]
    [InlineData("\"[1, 2\"", "Error validating parameter 'x': Invalid JSON array")]
    [InlineData("\"1, 2\"", "Error validating parameter 'x': Expected array, got string")]
    [InlineData("42", "Error validating parameter 'x': Expected array, got number")]
    [InlineData("{\"a\": 1}", "Error validating parameter 'x': Expected array, got object")]
    [InlineData("true", "Error validating parameter 'x': Expected array, got boolean")]
    public void Convert_NonArray_IsRejected(string json, string expected)
    {
        Assert.Equal(expected, Fail(ArrayOf(Int), json));
    }

    [Theory]
    [InlineData("[]", "Array must have at least 1 item", "MinItems")]
    [InlineData("[1, 2, 3, 4]", "Array must have at most 3 items", "MaxItems")]
    [InlineData("[1, 2, 1]", "Array items must be unique (item 2 repeats item 0)", "UniqueItems")]
    [InlineData("[1, \"1\"]", "Array items must be unique (item 1 repeats item 0)", "UniqueItems")]
    public void Convert_ArrayConstraints_AreChecked(string json, string detail, string rule)
    {
        var schema = new TypeSchema { Type = SchemaType.Array, Items = Int, MinItems = 1, MaxItems = 3, UniqueItems = true };

        Assert.Equal("Error validating parameter 'x': " + detail, Fail(schema, json));
        Assert.Equal(Enum.Parse<ValidationRule>(rule), FailRule(schema, json));
    }

    [Fact]
    public void Convert_UniqueItemsOfObjects_ComparesByJsonEquality()
    {
        var schema = new TypeSchema { Type = SchemaType.Array, UniqueItems = true };

        Assert.Equal(
            "Error validating parameter 'x': Array items must be unique (item 1 repeats item 0)",
            Fail(schema, """[{"a": 1, "b": [1, 2]}, {"b": [1, 2.0], "a": 1}]"""));
        Assert.Equal("""[{"a":1},{"a":2}]""", ToJson(Convert(schema, """[{"a": 1}, {"a": 2}]""")));
    }

    [Fact]
    public void Convert_UniqueItemsOfManyItems_FindsTheDuplicate()
    {
        var schema = new TypeSchema { Type = SchemaType.Array, Items = Int, UniqueItems = true };
        var items = string.Join(",", Enumerable.Range(0, 100)) + ",57";

        Assert.Equal("Error validating parameter 'x': Array items must be unique (item 100 repeats item 57)", Fail(schema, "[" + items + "]"));
        Assert.NotNull(Convert(schema, "[" + string.Join(",", Enumerable.Range(0, 100)) + "]"));
    }

    [Fact]
    public void Convert_InvalidItem_NamesItsIndex()
    {
        Assert.Equal("Error validating parameter 'x': x[1]: Expected integer, got string", Fail(ArrayOf(Int), """[1, "two"]"""));
    }

    [Fact]
    public void Convert_NullItem_IsRejectedUnlessNullable()
    {
        Assert.Equal("Error validating parameter 'x': x[0]: Expected integer, got null", Fail(ArrayOf(Int), "[null]"));
        Assert.Equal("[1,null]", ToJson(Convert(ArrayOf(new TypeSchema { Type = SchemaType.Integer, Nullable = true }), "[1, null]")));
    }

    [Fact]
    public void Convert_NestedArrays_NameTheFullPath()
    {
        var schema = ArrayOf(ArrayOf(new TypeSchema { Type = SchemaType.Number, Maximum = 1 }));

        Assert.Equal("Error validating parameter 'x': x[1][0]: Value must be <= 1", Fail(schema, "[[0.5], [2]]"));
    }

    // object

    [Fact]
    public void Convert_Object_ReturnsReadOnlyDictionaryOfConvertedProperties()
    {
        var schema = Obj(("n", Int), ("when", Str(SchemaFormat.Date)));

        var value = Convert(schema, """{"n": "5", "when": "2024-01-15"}""");

        var map = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(value);
        Assert.Equal(5L, map["n"]);
        Assert.Equal(new DateOnly(2024, 1, 15), map["when"]);
    }

    [Fact]
    public void Convert_ObjectAsJsonText_IsParsed()
    {
        Assert.Equal("""{"n":5}""", ToJson(Convert(Obj(("n", Int)), "\"{\\\"n\\\": 5}\"")));
    }

    [Theory]
    [InlineData("\"{bad\"", "Error validating parameter 'x': Invalid JSON object")]
    [InlineData("\"n=5\"", "Error validating parameter 'x': Expected object, got string")]
    [InlineData("[1]", "Error validating parameter 'x': Expected object, got array")]
    [InlineData("5", "Error validating parameter 'x': Expected object, got number")]
    public void Convert_NonObject_IsRejected(string json, string expected)
    {
        Assert.Equal(expected, Fail(Obj(("n", Int)), json));
    }

    [Fact]
    public void Convert_MissingRequiredProperties_AreListed()
    {
        var schema = new TypeSchema
        {
            Type = SchemaType.Object,
            Properties = Obj(("a", Int), ("b", Int), ("c", Int)).Properties,
            Required = ["a", "b", "c"],
        };

        Assert.Equal("Error validating parameter 'x': Missing required properties: a, c", Fail(schema, """{"b": 1}"""));
        Assert.Equal(ValidationRule.RequiredProperties, FailRule(schema, """{"b": 1}"""));
    }

    [Fact]
    public void Convert_UnknownPropertiesWithoutAdditionalProperties_AreKept()
    {
        Assert.Equal("""{"n":1,"extra":{"deep":[true]}}""", ToJson(Convert(Obj(("n", Int)), """{"n": 1, "extra": {"deep": [true]}}""")));
    }

    [Fact]
    public void Convert_UnknownPropertyWithAdditionalPropertiesFalse_IsRejected()
    {
        var schema = new TypeSchema { Type = SchemaType.Object, Properties = Obj(("n", Int)).Properties, AdditionalProperties = false };

        Assert.Equal("Error validating parameter 'x': Unexpected property: extra", Fail(schema, """{"n": 1, "extra": 2}"""));
        Assert.Equal(ValidationRule.AdditionalProperties, FailRule(schema, """{"n": 1, "extra": 2}"""));
    }

    [Fact]
    public void Convert_AdditionalPropertiesTrue_KeepsUnknownProperties()
    {
        var schema = new TypeSchema { Type = SchemaType.Object, AdditionalProperties = true };

        Assert.Equal("""{"any":"thing"}""", ToJson(Convert(schema, """{"any": "thing"}""")));
    }

    [Fact]
    public void Convert_MissingOptionalProperty_TakesItsDefault()
    {
        var schema = Obj(("n", Int), ("unit", new TypeSchema { Type = SchemaType.String, Default = Json("\"kg\"") }));

        Assert.Equal("""{"n":1,"unit":"kg"}""", ToJson(Convert(schema, """{"n": 1}""")));
    }

    [Fact]
    public void Convert_NullOptionalProperty_TakesItsDefaultOrStaysNull()
    {
        var schema = Obj(("unit", new TypeSchema { Type = SchemaType.String, Default = Json("\"kg\"") }), ("note", Str()));

        Assert.Equal("""{"unit":"kg","note":null}""", ToJson(Convert(schema, """{"unit": null, "note": null}""")));
    }

    [Fact]
    public void Convert_NullRequiredProperty_IsRejectedUnlessNullable()
    {
        var schema = new TypeSchema
        {
            Type = SchemaType.Object,
            Properties = Obj(("a", Str()), ("b", new TypeSchema { Type = SchemaType.String, Nullable = true })).Properties,
            Required = ["a", "b"],
        };

        Assert.Equal("Error validating parameter 'x': x.a: Expected string, got null", Fail(schema, """{"a": null, "b": null}"""));
        Assert.Equal("""{"a":"v","b":null}""", ToJson(Convert(schema, """{"a": "v", "b": null}""")));
    }

    [Fact]
    public void Convert_DeeplyNestedError_NamesTheFullPath()
    {
        var line = Obj(("qty", new TypeSchema { Type = SchemaType.Integer, Minimum = 1 }));
        var order = Obj(("lines", ArrayOf(line)));

        Assert.Equal(
            "Error validating parameter 'x': x.lines[1].qty: Value must be >= 1",
            Fail(order, """{"lines": [{"qty": 2}, {"qty": 0}]}"""));
    }
}
