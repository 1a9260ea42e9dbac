using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Runtime.Testing;

namespace Mxcp.Runtime.Tests.Testing;

/// <summary>The assertions of endpoint tests, with the reference's semantics and messages.</summary>
public sealed class TestAssertionsTests
{
    private static string? Check(string result, string assertion, string expected) =>
        TestAssertions.Check(JsonNode.Parse(result), [new(assertion, JsonDocument.Parse(expected).RootElement.Clone())]);

    [Theory]
    [InlineData("""{"a": 1, "b": "x"}""", """{"b": "x", "a": 1}""")]
    [InlineData("[1, 2]", "[1, 2]")]
    [InlineData("\"Hello, World!\"", "\"Hello, World!\"")]
    public void Result_Equal_Passes(string result, string expected) => Assert.Null(Check(result, "result", expected));

    [Fact]
    public void Result_Different_ShowsBothAsPythonValues() =>
        Assert.Equal("Result does not match expected output.\nExpected: [{'name': 'test', 'count': 999}]\nGot: [{'name': 'test', 'count': 42}]",
            Check("""[{"name": "test", "count": 42}]""", "result", """[{"name": "test", "count": 999}]"""));

    [Fact]
    public void Result_IntegerAgainstFloat_DiffersAsJsonDumpsDoes() =>
        Assert.NotNull(Check("1.5", "result", "1"));

    [Fact]
    public void ResultContains_DictFields_MissingAndWrongValueNamed()
    {
        Assert.Null(Check("""{"id": 1, "name": "Ann", "x": null}""", "result_contains", """{"name": "Ann", "id": 1.0}"""));
        Assert.Equal("Expected field 'email' not found in result", Check("""{"id": 1}""", "result_contains", """{"email": "a@b"}"""));
        Assert.Equal("Field 'age' has value 25, expected 30", Check("""{"age": 25}""", "result_contains", """{"age": 30}"""));
    }

    [Fact]
    public void ResultContains_ListWithPatternOrValue()
    {
        Assert.Null(Check("""[{"id": 1, "name": "Alice"}, {"id": 2, "name": "Bob"}]""", "result_contains", """{"name": "Bob"}"""));
        Assert.Equal("No item in array contains the expected fields: {'status': 'pending'}",
            Check("""[{"status": "done"}]""", "result_contains", """{"status": "pending"}"""));
        Assert.Null(Check("""["apple", "banana"]""", "result_contains", "\"banana\""));
        Assert.Null(Check("""["text", 123, true]""", "result_contains", "true"));
        Assert.Equal("Array does not contain expected value: grape", Check("""["apple"]""", "result_contains", "\"grape\""));
    }

    [Fact]
    public void ResultContains_StringResult_RequiresDictOrArray() =>
        Assert.Equal("result_contains assertion requires dict or array result, got <class 'str'>", Check("\"text\"", "result_contains", """{"a": 1}"""));

    [Fact]
    public void ResultNotContains_FieldPresent_Named()
    {
        Assert.Null(Check("""{"id": 1}""", "result_not_contains", """["password", "ssn"]"""));
        Assert.Equal("Field 'ssn' should not be present in result but was found", Check("""{"ssn": "x"}""", "result_not_contains", """["password", "ssn"]"""));
        Assert.Equal("result_not_contains assertion requires dict result, got <class 'list'>", Check("[]", "result_not_contains", """["a"]"""));
    }

    [Fact]
    public void ResultContainsItemAndAll_SupersetOrEqualItems()
    {
        Assert.Null(Check("""[{"id": 1, "n": "a"}, 3]""", "result_contains_item", """{"id": 1}"""));
        Assert.Null(Check("""[{"id": 1, "n": "a"}, 3]""", "result_contains_item", "3"));
        Assert.Equal("Array does not contain expected item: {'id': 2}", Check("""[{"id": 1}]""", "result_contains_item", """{"id": 2}"""));
        Assert.Equal("result_contains_item assertion requires array result, got <class 'dict'>", Check("{}", "result_contains_item", "1"));
        Assert.Null(Check("""[{"id": 1}, {"id": 2}, 3]""", "result_contains_all", """[3, {"id": 2}]"""));
        Assert.Equal("Array does not contain expected item: 4", Check("[1, 2]", "result_contains_all", "[1, 4]"));
    }

    [Fact]
    public void ResultLength_CountsItems()
    {
        Assert.Null(Check("[1, 2, 3]", "result_length", "3"));
        Assert.Equal("Array has 2 items, expected 3", Check("[1, 2]", "result_length", "3"));
        Assert.Equal("result_length assertion requires array result, got <class 'int'>", Check("5", "result_length", "1"));
    }

    [Fact]
    public void ResultContainsText_SearchesPythonStrOfTheResult()
    {
        Assert.Null(Check("\"Hello, World!\"", "result_contains_text", "\"World\""));
        Assert.Null(Check("""{"status": "active"}""", "result_contains_text", "\"'status': 'active'\""));
        Assert.Equal("Result does not contain expected text: 'missing'", Check("\"Hello\"", "result_contains_text", "\"missing\""));
    }

    [Fact]
    public void Check_SeveralAssertions_FirstFailureInTheReferenceOrderWins()
    {
        var failure = TestAssertions.Check(JsonNode.Parse("[1, 2]"), [
            new("result_length", JsonDocument.Parse("5").RootElement.Clone()),
            new("result_contains", JsonDocument.Parse("9").RootElement.Clone()),
        ]);
        Assert.Equal("Array does not contain expected value: 9", failure);
    }
}
