using static Mxcp.Runtime.Tests.Templates.TemplateAssert;

namespace Mxcp.Runtime.Tests.Templates;

/// <summary>The tests used with <c>is</c>.</summary>
public sealed class TestFunctionTests
{
    [Theory]
    [InlineData("{{ x is defined }} {{ missing is defined }} {{ missing is undefined }} {{ missing is not defined }}", "True False True True")]
    [InlineData("{{ none is none }} {{ 0 is none }} {{ x is not none }}", "True False True")]
    [InlineData("{{ 'a' is string }} {{ 1 is string }} {{ ('a'|safe) is string }}", "True False True")]
    [InlineData("{{ 1 is number }} {{ 1.5 is number }} {{ true is number }} {{ 'a' is number }}", "True True True False")]
    [InlineData("{{ 1 is integer }} {{ true is integer }} {{ 1.0 is float }} {{ true is boolean }} {{ 1 is boolean }}", "True False True True False")]
    [InlineData("{{ true is true }} {{ 1 is true }} {{ false is false }}", "True False True")]
    [InlineData("{{ [] is sequence }} {{ 'a' is sequence }} {{ {} is sequence }} {{ 1 is sequence }} {{ none is sequence }}", "True True True False False")]
    [InlineData("{{ {} is mapping }} {{ [] is mapping }} {{ d is mapping }}", "True False True")]
    [InlineData("{{ [] is iterable }} {{ 'a' is iterable }} {{ 1 is iterable }}", "True True False")]
    [InlineData("{{ 2 is even }} {{ 3 is even }} {{ 3 is odd }} {{ -3 is odd }} {{ 4.0 is even }}", "True False True True True")]
    [InlineData("{{ 9 is divisibleby 3 }} {{ 9 is divisibleby(4) }} {{ 9 is divisibleby(num=3) }}", "True False True")]
    [InlineData("{{ 'a' is in ['a'] }} {{ 'b' is in 'abc' }} {{ 3 is in [1] }}", "True True False")]
    [InlineData("{{ 1 is eq 1.0 }} {{ 1 is equalto 2 }} {{ 1 is ne 2 }} {{ [1, 2]|select('==', 2)|list }} {{ [1, 2]|reject('!=', 2)|list }}", "True False True [2] [2]")]
    [InlineData("{{ 2 is gt 1 }} {{ 2 is greaterthan 2 }} {{ 2 is ge 2 }} {{ 1 is lt 2 }} {{ 1 is lessthan 1 }} {{ 1 is le 1 }}", "True False True True False True")]
    [InlineData("{{ 'abc' is lower }} {{ 'aBc' is lower }} {{ 'ABC' is upper }} {{ '123' is upper }}", "True False True False")]
    [InlineData("{{ none is sameas none }} {{ x is sameas false }} {{ false is sameas false }}", "True False True")]
    [InlineData("{{ ('<a>'|e) is escaped }} {{ '<a>' is escaped }}", "True False")]
    [InlineData("{{ 'y' if x is none else 'n' }} {{ x is defined and x is number }}", "n True")]
    public void Render_Test_MatchesJinja(string template, string expected) =>
        Renders(expected, template, ("x", 5), ("d", Dict(("k", 1))));

    [Fact]
    public void Render_TestOnWrongType_FailsWithLocatedMessage() =>
        Assert.Equal("line 1, column 11: test 'even': unsupported operand type(s) for %: 'str' and 'int'", RenderError("{{ 'a' is even }}").Message);
}
