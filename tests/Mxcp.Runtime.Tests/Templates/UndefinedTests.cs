using static Mxcp.Runtime.Tests.Templates.TemplateAssert;

namespace Mxcp.Runtime.Tests.Templates;

/// <summary>Jinja2's default Undefined: empty and falsy, but an error where a real value is needed.</summary>
public sealed class UndefinedTests
{
    private static readonly (string, object?) User = ("user", Dict(("name", "Ann")));

    [Fact]
    public void Render_UndefinedVariable_RendersEmpty() => Renders("[]", "[{{ missing }}]");

    [Fact]
    public void Render_UndefinedVariable_IsFalsy() => Renders("no", "{% if missing %}yes{% else %}no{% endif %}");

    [Fact]
    public void Render_MissingKeyAndAttributeOfUndefined_AreUndefined() =>
        Renders("[][][][]", "[{{ user.age }}][{{ user['age'] }}][{{ missing.attr }}][{{ missing['a'].b }}]", User);

    [Fact]
    public void Render_IndexOutOfRangeAndAttributeOfNone_AreUndefined() =>
        Renders("[][]", "[{{ items[10] }}][{{ nothing.attr }}]", ("items", List(1)), ("nothing", null));

    [Fact]
    public void Render_DefinedTests_SeeUndefined() =>
        Renders("False True True False", "{{ missing is defined }} {{ missing is undefined }} {{ user.name is defined }} {{ user.age is defined }}", User);

    [Fact]
    public void Render_UndefinedInSafeOperations_Works() =>
        Renders("x|0|x||[]|True|False|none",
            "{{ missing ~ 'x' }}|{{ missing|length }}|{{ missing|default('x') }}|{{ missing|upper }}|{{ missing|list }}|{{ missing == missing }}|{{ missing == none }}|"
            + "{% for x in missing %}{{ x }}{% else %}none{% endfor %}");

    [Fact]
    public void Render_UndefinedInArithmetic_FailsNamingTheVariable() =>
        Assert.Equal("line 1, column 10: 'price' is undefined", RenderError("{{ price * 2 }}").Message);

    [Fact]
    public void Render_MissingKeyInArithmetic_FailsNamingTheExpression() =>
        Assert.Equal("line 1, column 13: 'user.age' is undefined", RenderError("{{ user.age + 1 }}", User).Message);

    [Fact]
    public void Render_MissingSubscriptInComparison_FailsNamingTheExpression() =>
        Assert.Equal("line 1, column 16: 'user['age']' is undefined", RenderError("{{ user['age'] > 1 }}", User).Message);

    [Fact]
    public void Render_UndefinedInFilterNeedingAValue_FailsNamingTheVariable()
    {
        Assert.Equal("line 1, column 12: filter 'int': 'count' is undefined", RenderError("{{ count | int }}").Message);
        Assert.Equal("line 1, column 11: filter 'round': 'amount' is undefined", RenderError("{{ amount|round }}").Message);
    }

    [Fact]
    public void Render_UndefinedInTestNeedingAValue_FailsNamingTheVariable() =>
        Assert.Equal("line 1, column 9: test 'even': 'n' is undefined", RenderError("{{ n is even }}").Message);

    [Fact]
    public void Render_CallingItemsOnUndefined_FailsNamingTheVariable() =>
        Assert.Equal("line 1, column 18: 'data' is undefined", RenderError("{% for k in data.items() %}{% endfor %}").Message);

    [Fact]
    public void Render_EmptySequenceFirst_IsUndefinedWithReason()
    {
        Renders("[]", "[{{ []|first }}]");
        Assert.Equal("line 1, column 15: No first item, sequence was empty.", RenderError("{{ ([]|first) + 1 }}").Message);
    }

    [Fact]
    public void Render_InlineIfWithoutElse_IsUndefinedWithReason() =>
        Assert.Equal(
            "line 1, column 25: the inline if-expression on line 1 evaluated to false and no else section was defined",
            RenderError("{{ ('a' if false) ~ 'b' + ('a' if false) }}").Message);

    [Fact]
    public void Render_UndefinedInStringFormatting_FormatsAsEmpty() => Renders("[]", "[{{ '%s' % missing }}]");

    [Fact]
    public void Render_MembershipInUndefined_IsFalse() => Renders("False", "{{ 'a' in missing }}");
}
