using System.Text.RegularExpressions;
using Mxcp.Abstractions;
using Mxcp.Runtime.Types;

namespace Mxcp.Runtime.Tests.Types;

public sealed class CompiledSchemaTests
{
    [Fact]
    public void For_SameSchema_ReturnsTheSameCompiledInstance()
    {
        var schema = new TypeSchema { Type = SchemaType.String, Pattern = "^a+$" };

        var first = CompiledSchema.For(schema);

        Assert.Same(first, CompiledSchema.For(schema));
        Assert.Same(first.Pattern, CompiledSchema.For(schema).Pattern);
    }

    [Fact]
    public void TryCompilePattern_PlainPattern_UsesTheLinearTimeEngine()
    {
        var regex = CompiledSchema.TryCompilePattern("^(a+)+$", out var error);

        Assert.Null(error);
        Assert.NotNull(regex);
        Assert.True((regex.Options & RegexOptions.NonBacktracking) != 0);

        // The classic catastrophic-backtracking input answers at once.
        Assert.DoesNotMatch(regex, new string('a', 5000) + "!");
    }

    [Fact]
    public void TryCompilePattern_Backreference_FallsBackWithATimeout()
    {
        var regex = CompiledSchema.TryCompilePattern("^(\\w)\\1$", out var error);

        Assert.Null(error);
        Assert.NotNull(regex);
        Assert.Equal(CompiledSchema.PatternTimeout, regex.MatchTimeout);
        Assert.Matches(regex, "aa");
    }

    [Fact]
    public void TryCompilePattern_InvalidPattern_ReturnsTheError()
    {
        Assert.Null(CompiledSchema.TryCompilePattern("(unclosed", out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void CheckPattern_SlowBacktrackingPattern_IsRejectedInTime()
    {
        // A lookahead forces the backtracking engine; nested quantifiers make it exponential.
        var schema = new TypeSchema { Type = SchemaType.String, Pattern = "^(?=x*)(a+)+$" };
        var compiled = CompiledSchema.For(schema);

        var e = Assert.Throws<SchemaViolationException>(() => compiled.CheckPattern(new string('a', 40) + "!", schema.Pattern!));

        Assert.Equal("String could not be checked against pattern '^(?=x*)(a+)+$' in time", e.Message);
        Assert.Equal(ValidationRule.Pattern, e.Rule);
    }

    [Fact]
    public void EnumValues_AreConvertedLikeInputs()
    {
        var schema = new TypeSchema
        {
            Type = SchemaType.String,
            Format = SchemaFormat.Date,
            Enum = TypeTestData.JsonList("""["2024-01-01", 5]"""),
        };

        var compiled = CompiledSchema.For(schema);

        Assert.Equal([new DateOnly(2024, 1, 1), 5L], compiled.EnumValues!);
        Assert.Equal("['2024-01-01', 5]", compiled.EnumText);
        Assert.True(compiled.RawEnumContains("2024-01-01"));
    }
}
