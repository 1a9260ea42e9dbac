using Mxcp.Runtime.Endpoints;

namespace Mxcp.Runtime.Tests.Endpoints;

public sealed class UriTemplateMatcherTests
{
    [Theory]
    [InlineData("files://report.txt", "report.txt")]
    [InlineData("files://a%20b.txt", "a b.txt")]
    [InlineData("files://..", "..")]
    [InlineData("files://%C3%A9t%C3%A9", "été")]
    public void Match_OneSegment_IsUnescaped(string uri, string expected)
    {
        var variables = new UriTemplateMatcher("files://{name}").Match(uri, out var error);

        Assert.Null(error);
        Assert.Equal(expected, variables!["name"]);
    }

    [Theory]
    [InlineData("files://..%2F..%2Foutside.txt", "a '/'")]
    [InlineData("files://%2e%2e%2foutside.txt", "a '/'")]
    [InlineData("files://%2E%2E%2Fsecret", "a '/'")]
    [InlineData("files://report.txt%00.csv", "a NUL character")]
    public void Match_ValueThatDecodesToMoreThanOneSegment_IsRefusedWithAClearError(string uri, string what)
    {
        var variables = new UriTemplateMatcher("files://{name}").Match(uri, out var error);

        Assert.Null(variables);
        Assert.Equal($"Invalid resource URI '{uri}': {{name}} is one path segment of files://{{name}}, but its value contains {what} once decoded", error);
    }

    [Theory]
    [InlineData("files://a/b")]
    [InlineData("other://x")]
    [InlineData("files://")]
    public void Match_OtherShapes_DoNotMatchAndAreNotErrors(string uri)
    {
        var variables = new UriTemplateMatcher("files://{name}").Match(uri, out var error);

        Assert.Null(variables);
        Assert.Null(error);
    }

    [Fact]
    public void Match_SecondVariableRefused_NamesIt()
    {
        new UriTemplateMatcher("db://{schema}/{table}").Match("db://main/a%2Fb", out var error);

        Assert.Contains("{table} is one path segment", error, StringComparison.Ordinal);
    }
}
