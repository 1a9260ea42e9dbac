using Mxcp.Runtime.Policies.Cel;

namespace Mxcp.Runtime.Tests.Policies.Cel;

public sealed class CelCompileTests
{
    private static CelDiagnostic SingleError(string source, CelCompileOptions? options = null)
    {
        var compiled = CelProgram.TryCompile(source, options, out _, out var diagnostics);
        Assert.False(compiled, $"'{source}' compiled");
        return Assert.Single(diagnostics);
    }

    [Theory]
    [InlineData("user.role == ", 1, 14, "unexpected end of expression, expected an expression")]
    [InlineData("user.role = 'admin'", 1, 11, "unexpected '='; use '==' to compare")]
    [InlineData("a &  b", 1, 3, "unexpected '&'; use '&&' for logical and")]
    [InlineData("(1 + 2", 1, 7, "unexpected end of expression, expected ')'")]
    [InlineData("[1, 2", 1, 6, "unexpected end of expression, expected ',' or ']' at the end of the list")]
    [InlineData("f(1 2)", 1, 5, "unexpected number 2, expected ',' or ')' after the arguments")]
    [InlineData("'abc", 1, 1, "unterminated string literal")]
    [InlineData("'a\nb'", 1, 3, "newline in string literal (use a triple-quoted string or the escape \\n)")]
    [InlineData("'\\q'", 1, 2, "invalid escape sequence '\\q'")]
    [InlineData("b'\\u0041'", 1, 3, "\\u escapes are not allowed in bytes literals; use \\x or octal escapes")]
    [InlineData("9223372036854775808", 1, 1, "integer literal out of range for int (add 'u' for a uint)")]
    [InlineData("18446744073709551616u", 1, 1, "integer literal out of range")]
    [InlineData("if", 1, 1, "'if' is a reserved word and cannot be used as an identifier")]
    [InlineData("x ? 1", 1, 6, "unexpected end of expression, expected ':' of the conditional operator")]
    [InlineData("1 # 2", 1, 3, "unexpected character '#'")]
    [InlineData("", 1, 1, "empty expression")]
    public void Compile_SyntaxError_ReportsLineColumnAndMessage(string source, int line, int column, string message)
    {
        var diagnostic = SingleError(source);

        Assert.Equal(new CelDiagnostic(line, column, message), diagnostic);
    }

    [Fact]
    public void Compile_ErrorOnLaterLine_CountsLinesAndCodePoints()
    {
        // The column counts code points: the cat (a surrogate pair in UTF-16) is one column.
        var diagnostic = SingleError("user.role == 'admin' &&\n  '🐱' == )");

        Assert.Equal(2, diagnostic.Line);
        Assert.Equal(10, diagnostic.Column);
        Assert.Equal("line 2, column 10: unexpected ')', expected an expression", diagnostic.ToString());
    }

    [Theory]
    [InlineData("timestamp('2024-01-01T00:00:00Z') < now", "unsupported: timestamp() is not available in Mxcp policies (timestamps and durations are not supported)")]
    [InlineData("duration('1h') > x", "unsupported: duration() is not available in Mxcp policies (timestamps and durations are not supported)")]
    [InlineData("x.getFullYear() == 2024", "unsupported: getFullYear() is not available in Mxcp policies (timestamps and durations are not supported)")]
    [InlineData("type(x) == 'string'", "unsupported: type() is not available in Mxcp policies (type values are not supported)")]
    [InlineData("int", "unsupported: type values ('int') are not available in Mxcp policies")]
    [InlineData("x.?y", "unsupported: optional field selection ('.?') is not available in Mxcp policies")]
    [InlineData("x[?0]", "unsupported: optional indexing ('[?') is not available in Mxcp policies")]
    [InlineData("optional.of(1)", "unsupported: function 'optional.of' is not available in Mxcp policies")]
    [InlineData("x.orValue(1)", "unsupported: orValue() is not available in Mxcp policies (optional values are not supported)")]
    [InlineData("google.protobuf.Int64Value{value: 1}", "unsupported: protobuf message construction ('Name{...}') is not available in Mxcp policies")]
    [InlineData("math.greatest(1, 2)", "unsupported: function 'math.greatest' is not available in Mxcp policies")]
    [InlineData("cel.bind(x, 1, x)", "unsupported: function 'cel.bind' is not available in Mxcp policies")]
    [InlineData("'%d'.format([1])", "unsupported: format() of the strings extension is not available in Mxcp policies")]
    [InlineData("[1].all(i, v, v > 0)", "unsupported: two-variable comprehensions (all(k, v, ...)) are not available in Mxcp policies")]
    public void Compile_UnsupportedFeature_RejectedAtCompileTime(string source, string message)
    {
        var diagnostic = SingleError(source);

        Assert.Equal(message, diagnostic.Message);
    }

    [Fact]
    public void Compile_UnknownFunction_RejectedUnlessAllowed()
    {
        Assert.Equal("unknown function 'lenght'", SingleError("lenght(x) > 2").Message);

        var program = CelProgram.Compile("lenght(x) > 2 || true", new CelCompileOptions { AllowUnknownFunctions = true });
        Assert.True(program.Evaluate(new CelActivation()).IsTrue);
    }

    [Theory]
    [InlineData("size(1, 2)", "no overload of size(...) takes 2 arguments")]
    [InlineData("'a'.contains()", "no overload of x.contains(...) takes 0 arguments")]
    [InlineData("has(x)", "has() takes one field selection, for example has(user.email)")]
    [InlineData("[1].exists(1, true)", "the first argument of exists() must be a simple variable name")]
    [InlineData("{'a': 1, 'a': 2}", "repeated key in map literal")]
    [InlineData("{1.5: 1}", "unsupported map key type double (keys are bool, int, uint or string)")]
    [InlineData("'x'.matches('(?=a)')", "invalid regular expression: lookahead ((?= and (?!) is not RE2 syntax")]
    [InlineData("'x'.matches('(a')", "invalid regular expression: missing closing )")]
    [InlineData("'x'.matches('(a)\\\\1')", "invalid regular expression: backreferences (\\1 ...) are not supported by RE2")]
    [InlineData("'x'.matches('\\\\p{Greek}')", "invalid regular expression: unsupported Unicode class (only general categories such as \\p{L}, \\p{Lu}, \\p{N} and \\p{Any} are supported, not scripts)")]
    [InlineData("'x'.matches('a**')", "invalid regular expression: bad repetition operator (repeated or possessive repetition is not RE2 syntax)")]
    public void Compile_InvalidUse_ReportsClearMessage(string source, string message)
    {
        Assert.Equal(message, SingleError(source).Message);
    }

    [Fact]
    public void Compile_InvalidRegexLiteral_PointsAtThePattern()
    {
        var diagnostic = SingleError("name.matches('[a-')");

        Assert.Equal(1, diagnostic.Line);
        Assert.Equal(14, diagnostic.Column);
    }

    [Fact]
    public void Compile_SeveralSemanticErrors_ReportsAllInSourceOrder()
    {
        var compiled = CelProgram.TryCompile("timestamp(x) > 1 && type(y) == 2 && lenght(z)", null, out _, out var diagnostics);

        Assert.False(compiled);
        Assert.Equal([1, 21, 37], diagnostics.Select(d => d.Column));
    }

    [Fact]
    public void Compile_DeclaredVariables_RejectsOthersAndAllowsComprehensionVariables()
    {
        var options = new CelCompileOptions { DeclaredVariables = new HashSet<string> { "user", "response" } };

        Assert.True(CelProgram.TryCompile("response.exists(r, r.owner == user.user_id)", options, out _, out _));
        Assert.Equal("undeclared reference to 'usr' (available variables: response, user)", SingleError("usr.role == 'admin'", options).Message);
    }

    [Fact]
    public void Compile_DeclaredVariableNamedLikeAType_IsAVariable()
    {
        var options = new CelCompileOptions { DeclaredVariables = new HashSet<string> { "type" } };
        var program = CelProgram.Compile("type == 'invoice'", options);

        Assert.True(program.Evaluate(new CelActivation().Set("type", CelValue.String("invoice"))).IsTrue);
    }

    [Fact]
    public void Compile_DeepNesting_RejectedWithoutStackOverflow()
    {
        var deep = new string('(', 150) + "1" + new string(')', 150);
        Assert.Equal("expression nested too deeply (more than 100 levels)", SingleError(deep).Message);

        var longChain = string.Join(" + ", Enumerable.Repeat("1", 400));
        Assert.Equal("expression too complex (nested more than 250 levels)", SingleError(longChain).Message);
    }

    [Fact]
    public void Compile_Comments_AreIgnored()
    {
        var program = CelProgram.Compile("// who may call\nuser == 'a' // admins\n|| true");

        Assert.True(program.Evaluate(new CelActivation().Set("user", CelValue.String("b"))).IsTrue);
    }
}
