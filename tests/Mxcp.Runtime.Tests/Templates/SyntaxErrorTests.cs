using static Mxcp.Runtime.Tests.Templates.TemplateAssert;

namespace Mxcp.Runtime.Tests.Templates;

/// <summary>Everything outside the supported subset fails at parse time with its line, column and name.</summary>
public sealed class SyntaxErrorTests
{
    private const string Tags = "supported tags are if, elif, else, endif, for, endfor, set, endset, raw, endraw";

    [Theory]
    [InlineData("{% macro m() %}{% endmacro %}", "macro", 4)]
    [InlineData("{% call m() %}{% endcall %}", "call", 4)]
    [InlineData("{% include 'x.txt' %}", "include", 4)]
    [InlineData("{% import 'x' as x %}", "import", 4)]
    [InlineData("{% from 'x' import y %}", "from", 4)]
    [InlineData("{% extends 'base' %}", "extends", 4)]
    [InlineData("{% block body %}{% endblock %}", "block", 4)]
    [InlineData("{% filter upper %}x{% endfilter %}", "filter", 4)]
    [InlineData("{% with a = 1 %}{% endwith %}", "with", 4)]
    [InlineData("{%- autoescape true %}{% endautoescape %}", "autoescape", 5)]
    [InlineData("{% print 1 %}", "print", 4)]
    [InlineData("{% for x in y %}{% break %}{% endfor %}", "break", 20)]
    public void Parse_UnsupportedTag_FailsNamingTagAndPosition(string template, string tag, int column)
    {
        var error = SyntaxError(template);
        Assert.Equal($"line 1, column {column}: tag '{tag}' is not supported; {Tags}", error.Message);
        Assert.Equal(1, error.Line);
        Assert.Equal(column, error.Column);
    }

    [Fact]
    public void Parse_UnknownTag_FailsNamingIt() =>
        Assert.Equal($"line 2, column 4: unknown tag 'frobnicate'; {Tags}", SyntaxError("ok\n{% frobnicate %}").Message);

    [Fact]
    public void Parse_UnknownFilter_FailsNamingItAndListingSupported()
    {
        var error = SyntaxError("Hello\n  {{ name | shout }}");
        Assert.StartsWith("line 2, column 13: unknown filter 'shout'; supported filters are abs, capitalize, center,", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.Line);
        Assert.Equal(13, error.Column);
    }

    [Theory]
    [InlineData("{{ x|striptags }}", "line 1, column 6: unknown filter 'striptags'")]
    [InlineData("{{ x|batch(3) }}", "line 1, column 6: unknown filter 'batch'")]
    [InlineData("{{ x|my.filter }}", "line 1, column 6: unknown filter 'my.filter'")]
    [InlineData("{{ xs|map('shout')|list }}", "line 1, column 11: unknown filter 'shout' given to 'map'")]
    [InlineData("{{ x is prime }}", "line 1, column 9: unknown test 'prime'")]
    [InlineData("{{ xs|select('prime') }}", "line 1, column 14: unknown test 'prime'")]
    [InlineData("{{ xs|selectattr('a', 'prime') }}", "line 1, column 23: unknown test 'prime'")]
    public void Parse_UnknownFilterOrTest_FailsNamingIt(string template, string expectedStart) =>
        Assert.StartsWith(expectedStart, SyntaxError(template).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("{{ name.upper() }}", "line 1, column 9: method call '.upper()' is not supported; only .items(), .keys() and .values() of a mapping can be called; use the '|upper' filter instead")]
    [InlineData("{{ text.split(',') }}", "line 1, column 9: method call '.split()' is not supported; only .items(), .keys() and .values() of a mapping can be called")]
    [InlineData("{{ d.get('k', 1) }}", "line 1, column 6: method call '.get()' is not supported; only .items(), .keys() and .values() of a mapping can be called; use a subscript such as x['key'] with the '|default' filter instead")]
    [InlineData("{{ lipsum() }}", "line 1, column 4: function 'lipsum()' is not supported; the only function is range() (and loop.cycle(), loop.changed() inside loops)")]
    [InlineData("{{ dict(a=1) }}", "line 1, column 4: function 'dict()' is not supported; the only function is range() (and loop.cycle(), loop.changed() inside loops)")]
    [InlineData("{{ (x|first)(1) }}", "line 1, column 13: this expression can't be called; the only calls are range(), loop.cycle(), loop.changed() and .items(), .keys(), .values() of a mapping")]
    [InlineData("{{ loop.cycle('a', 'b') }}", "line 1, column 9: loop.cycle() can only be used inside a for loop")]
    [InlineData("{{ d.items(1) }}", "line 1, column 11: items() takes no arguments")]
    [InlineData("{{ range() }}", "line 1, column 9: range() takes 1 to 3 arguments (0 given)")]
    [InlineData("{{ range(*xs) }}", "line 1, column 10: '*args' and '**kwargs' arguments are not supported")]
    public void Parse_UnsupportedCall_FailsNamingIt(string template, string expected) =>
        Assert.Equal(expected, SyntaxError(template).Message);

    [Theory]
    [InlineData("{{ x|round(1, 'common', 3) }}", "line 1, column 25: filter 'round' takes at most 2 arguments (3 given)")]
    [InlineData("{{ x|upper(1) }}", "line 1, column 12: filter 'upper' takes no arguments (1 given)")]
    [InlineData("{{ x|default(bogus=1) }}", "line 1, column 14: filter 'default' has no argument named 'bogus'; its arguments are default_value, boolean")]
    [InlineData("{{ x|replace('a') }}", "line 1, column 6: filter 'replace' requires the argument 'new'")]
    [InlineData("{{ x|round(2, precision=1) }}", "line 1, column 15: filter 'round' got two values for the argument 'precision'")]
    [InlineData("{{ x|map }}", "line 1, column 6: filter 'map' needs a filter name, as in map('upper'), or an attribute, as in map(attribute='name')")]
    [InlineData("{{ x|selectattr }}", "line 1, column 6: filter 'selectattr' needs the attribute to test, as in selectattr('active')")]
    [InlineData("{{ x|select('odd', 1) }}", "line 1, column 13: test 'odd' takes no argument (1 given)")]
    [InlineData("{{ x|format(1, a=2) }}", "line 1, column 6: filter 'format' can't take positional and keyword arguments at the same time")]
    [InlineData("{{ x is divisibleby }}", "line 1, column 9: test 'divisibleby' needs an argument, as in 'is divisibleby(...)'")]
    [InlineData("{{ x is none(1) }}", "line 1, column 9: test 'none' takes no argument")]
    public void Parse_WrongFilterOrTestArguments_FailsAtParseTime(string template, string expected) =>
        Assert.Equal(expected, SyntaxError(template).Message);

    [Theory]
    [InlineData("{% if x %}open", "line 1, column 4: 'if' tag is never closed; expected '{% endif %}'")]
    [InlineData("a\n{% for x in y %}\n{% if x %}{% endif %}", "line 2, column 4: 'for' tag is never closed; expected '{% endfor %}'")]
    [InlineData("{% set x %}text", "line 1, column 4: 'set' tag is never closed; expected '{% endset %}'")]
    [InlineData("{% if x %}{% endfor %}", "line 1, column 14: unexpected 'endfor' tag: the innermost open block is 'if' (line 1, column 4), which expects 'elif' or 'else' or 'endif'")]
    [InlineData("{% if x %}{% else %}{% elif y %}{% endif %}", "line 1, column 24: unexpected 'elif' tag: the innermost open block is 'if' (line 1, column 4), which expects 'endif'")]
    [InlineData("text {% endif %}", "line 1, column 9: unexpected 'endif' tag: there is no open block it belongs to")]
    [InlineData("{% for x in y recursive %}{% endfor %}", "line 1, column 15: recursive loops ('for ... recursive') are not supported")]
    [InlineData("{% for loop in y %}{% endfor %}", "line 1, column 4: can't assign to the special 'loop' variable in a for loop target")]
    [InlineData("{% set ns.total = 1 %}", "line 1, column 8: assigning to an attribute ('set ns.attr = ...') is not supported; namespace() is not available")]
    [InlineData("{% set x | upper %}a{% endset %}", "line 1, column 10: filters on a block set ('{% set name | filter %}') are not supported; apply the filter where the variable is used")]
    [InlineData("{% set 1 = x %}", "line 1, column 8: can't assign to the number 1; expected a variable name")]
    [InlineData("{% raw x %}{% endraw %}", "line 1, column 4: malformed 'raw' tag; write '{% raw %}' with nothing else inside the tag")]
    [InlineData("{% endif x %}", "line 1, column 4: unexpected 'endif' tag: there is no open block it belongs to")]
    [InlineData("{% if x %}{% endif x %}", "line 1, column 20: expected '%}' after 'endif', got 'x'")]
    [InlineData("{% if %}{% endif %}", "line 1, column 7: expected an expression, got '%}'")]
    [InlineData("{% %}", "line 1, column 4: expected a tag name after '{%', got '%}'")]
    public void Parse_MalformedBlock_FailsWithPosition(string template, string expected) =>
        Assert.Equal(expected, SyntaxError(template).Message);

    [Theory]
    [InlineData("{{ x", "line 1, column 1: expression is never closed; expected '}}'")]
    [InlineData("a\n{% if x", "line 2, column 1: tag is never closed; expected '%}'")]
    [InlineData("{# note", "line 1, column 1: comment is never closed; expected '#}'")]
    [InlineData("{% raw %}{{ x }}", "line 1, column 1: 'raw' block is never closed; expected '{% endraw %}'")]
    [InlineData("{{ 'abc }}", "line 1, column 4: string literal is never closed; expected '")]
    [InlineData("{{ (1 + 2 }}", "line 1, column 11: unexpected '}', expected ')'")]
    [InlineData("{{ (1 + 2", "line 1, column 4: '(' is never closed; expected ')'")]
    [InlineData("{{ x ! y }}", "line 1, column 6: unexpected character '!'")]
    [InlineData("{{ x) }}", "line 1, column 5: unexpected ')'")]
    [InlineData("{{ [1, 2) }}", "line 1, column 9: unexpected ')', expected ']'")]
    [InlineData("{{ }}", "line 1, column 4: expected an expression, got '}}'")]
    [InlineData("{{ 1 + }}", "line 1, column 8: unexpected '}}'")]
    [InlineData("{{ x | }}", "line 1, column 8: expected a filter name after '|', got '}}'")]
    [InlineData("{{ x y }}", "line 1, column 6: expected '}}', got 'y'")]
    [InlineData("{{ '\\xZZ' }}", "line 1, column 4: truncated \\xXX escape in string literal")]
    [InlineData("{{ 99999999999999999999 }}", "line 1, column 4: integer literal 99999999999999999999 is too large; integers must fit in 64 bits")]
    public void Parse_MalformedExpression_FailsWithPosition(string template, string expected) =>
        Assert.Equal(expected, SyntaxError(template).Message);

    [Fact]
    public void Parse_ErrorDeepInMultilineTemplate_ReportsItsLineAndColumn()
    {
        var error = SyntaxError("Line one\nLine two {{ ok }}\n\n    {% if a %}{{ a|nope }}{% endif %}\n");
        Assert.StartsWith("line 4, column 20: unknown filter 'nope'", error.Message, StringComparison.Ordinal);
        Assert.Equal((4, 20), (error.Line, error.Column));
    }

    [Fact]
    public void Parse_DeeplyNestedExpression_FailsInsteadOfOverflowingTheStack() =>
        Assert.Contains("nested more than 200 levels deep", SyntaxError("{{ " + new string('(', 300) + "1" + new string(')', 300) + " }}").Message, StringComparison.Ordinal);

    [Fact]
    public void Parse_DeeplyNestedBlocks_FailInsteadOfOverflowingTheStack() =>
        Assert.Contains(
            "blocks are nested more than 100 levels deep",
            SyntaxError(string.Concat(Enumerable.Repeat("{% if x %}", 150)) + string.Concat(Enumerable.Repeat("{% endif %}", 150))).Message,
            StringComparison.Ordinal);
}
