using System.Buffers;
using System.Text.Json;
using Mxcp.Runtime.Audit;

namespace Mxcp.Runtime.Tests.Audit;

/// <summary>The redaction strategies of <c>field_redactions</c>, value by value.</summary>
public sealed class RedactorTests
{
    private static string Redact(string json, RedactionStrategy strategy, RedactionOptions? options = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Redactor.Write(writer, JsonElement.Parse(json), new FieldRedaction("f", strategy, options ?? new RedactionOptions(), null));
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Theory]
    [InlineData("\"secret\"")]
    [InlineData("42")]
    [InlineData("{\"a\": 1}")]
    [InlineData("null")]
    public void Full_AnyValue_Redacted(string value) => Assert.Equal("\"[REDACTED]\"", Redact(value, RedactionStrategy.Full));

    [Theory]
    [InlineData("\"abcdefgh\"", 2, 2, 8, "\"ab***gh\"")]
    [InlineData("\"abcdefg\"", 2, 2, 8, "\"[REDACTED]\"")]
    [InlineData("\"4111111111111111\"", 0, 4, 8, "\"***1111\"")]
    [InlineData("\"4111111111111111\"", 4, 0, 8, "\"4111***\"")]
    [InlineData("12345678901", 2, 2, 8, "\"12***01\"")]
    [InlineData("null", 2, 2, 8, "\"[REDACTED]\"")]
    public void Partial_KeepsFirstAndLastCharacters(string value, int first, int last, int minLength, string expected) =>
        Assert.Equal(expected, Redact(value, RedactionStrategy.Partial, new RedactionOptions { ShowFirst = first, ShowLast = last, MinLength = minLength }));

    [Fact]
    public void Hash_Sha256ByDefault_WithPrefix() =>
        Assert.Equal("\"sha256:2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b\"", Redact("\"secret\"", RedactionStrategy.Hash));

    [Fact]
    public void Hash_Sha1WithCustomPrefix() =>
        Assert.Equal("\"h:e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4\"", Redact("\"secret\"", RedactionStrategy.Hash, new RedactionOptions { Algorithm = "sha1", Prefix = "h:" }));

    [Fact]
    public void Hash_Number_HashesItsText() =>
        Assert.Equal("\"sha256:a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3\"", Redact("123", RedactionStrategy.Hash));

    [Theory]
    [InlineData("\"a long piece of text\"", 10, "...", "\"a long pie...\"")]
    [InlineData("\"short\"", 10, "...", "\"short\"")]
    [InlineData("\"abcdef\"", 3, "~", "\"abc~\"")]
    [InlineData("null", 10, "...", "\"[REDACTED]\"")]
    public void Truncate_KeepsThePrefix(string value, int length, string suffix, string expected) =>
        Assert.Equal(expected, Redact(value, RedactionStrategy.Truncate, new RedactionOptions { Length = length, Suffix = suffix }));

    [Theory]
    [InlineData("\"ann.smith@corp.example\"", true, "\"a***@corp.example\"")]
    [InlineData("\"bo@x.org\"", true, "\"***@x.org\"")]
    [InlineData("\"ann.smith@corp.example\"", false, "\"[REDACTED]\"")]
    [InlineData("\"not an address\"", true, "\"[REDACTED]\"")]
    public void Email_KeepsTheDomain(string value, bool preserveDomain, string expected) =>
        Assert.Equal(expected, Redact(value, RedactionStrategy.Email, new RedactionOptions { PreserveDomain = preserveDomain }));

    [Theory]
    [InlineData("true", "false")]
    [InlineData("false", "false")]
    [InlineData("42", "0")]
    [InlineData("4.25", "0.0")]
    [InlineData("[1, 2]", "[]")]
    [InlineData("{\"a\": 1}", "{}")]
    [InlineData("\"text\"", "\"[REDACTED]\"")]
    [InlineData("null", "null")]
    public void PreserveType_NeutralValueOfTheSameType(string value, string expected) =>
        Assert.Equal(expected, Redact(value, RedactionStrategy.PreserveType));
}
