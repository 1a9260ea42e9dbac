using static Mxcp.Runtime.Tests.Templates.TemplateAssert;

namespace Mxcp.Runtime.Tests.Templates;

public sealed class StatementTests
{
    private const string Grade = "{% if score >= 90 %}A{% elif score >= 80 %}B{% elif score >= 70 %}C{% else %}F{% endif %}";

    [Theory]
    [InlineData(95, "A")]
    [InlineData(85, "B")]
    [InlineData(70, "C")]
    [InlineData(10, "F")]
    public void Render_IfElifElse_TakesFirstTrueBranch(int score, string expected) => Renders(expected, Grade, ("score", score));

    [Fact]
    public void Render_IfWithoutElse_RendersNothingWhenFalse() => Renders("[]", "[{% if x %}yes{% endif %}]", ("x", 0));

    [Fact]
    public void Render_For_RendersBodyPerItem() => Renders("a;b;c;", "{% for x in items %}{{ x }};{% endfor %}", ("items", List("a", "b", "c")));

    [Fact]
    public void Render_ForElse_RendersElseWhenEmpty()
    {
        Renders("none", "{% for x in items %}{{ x }}{% else %}none{% endfor %}", ("items", List()));
        Renders("1", "{% for x in items %}{{ x }}{% else %}none{% endfor %}", ("items", List(1)));
    }

    [Fact]
    public void Render_LoopVariable_ExposesCountersAndNeighbours() =>
        Renders(
            "1/0/3/2/True/False/3/|a|b;2/1/2/1/False/False/3/a|b|c;3/2/1/0/False/True/3/b|c|;",
            "{% for x in items %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/"
            + "{{ loop.first }}/{{ loop.last }}/{{ loop.length }}/{{ loop.previtem }}|{{ x }}|{{ loop.nextitem }};{% endfor %}",
            ("items", List("a", "b", "c")));

    [Fact]
    public void Render_LoopCycleAndChanged_Work() =>
        Renders(
            "odd:a* even:a odd:b* ",
            "{% for x in items %}{{ loop.cycle('odd', 'even') }}:{{ x }}{% if loop.changed(x) %}*{% endif %} {% endfor %}",
            ("items", List("a", "a", "b")));

    [Fact]
    public void Render_ForIf_FiltersBeforeCountingLoop() =>
        Renders("1:2/2 2:4/2 ", "{% for n in nums if n is even %}{{ loop.index }}:{{ n }}/{{ loop.length }} {% endfor %}", ("nums", List(1, 2, 3, 4, 5)));

    [Fact]
    public void Render_ForIfWithNoMatch_RendersElse() =>
        Renders("none", "{% for n in nums if n > 10 %}{{ n }}{% else %}none{% endfor %}", ("nums", List(1, 2)));

    [Fact]
    public void Render_TupleUnpacking_WorksWithItemsDictsortAndNestedLists()
    {
        var d = Dict(("b", 2), ("a", 1));
        Renders("b=2 a=1 ", "{% for k, v in d.items() %}{{ k }}={{ v }} {% endfor %}", ("d", d));
        Renders("a=1 b=2 ", "{% for k, v in d|dictsort %}{{ k }}={{ v }} {% endfor %}", ("d", d));
        Renders("b=2 a=1 ", "{% for (k, v) in d|items %}{{ k }}={{ v }} {% endfor %}", ("d", d));
        Renders("1+2 3+4 ", "{% for a, b in [[1, 2], [3, 4]] %}{{ a }}+{{ b }} {% endfor %}");
    }

    [Fact]
    public void Render_ForOverMappingAndString_IteratesKeysAndCharacters()
    {
        Renders("b a ", "{% for k in d %}{{ k }} {% endfor %}", ("d", Dict(("b", 2), ("a", 1))));
        Renders("h-i-", "{% for c in 'hi' %}{{ c }}-{% endfor %}");
    }

    [Fact]
    public void Render_NestedLoops_CanReachOuterLoopThroughSet() =>
        Renders("1.1 1.2 2.1 2.2 ",
            "{% for a in [1, 2] %}{% set outer = loop %}{% for b in [1, 2] %}{{ outer.index }}.{{ loop.index }} {% endfor %}{% endfor %}");

    [Fact]
    public void Render_Set_AssignsAndUnpacks()
    {
        Renders("3", "{% set x = 1 + 2 %}{{ x }}");
        Renders("1-2", "{% set a, b = 1, 2 %}{{ a }}-{{ b }}");
        Renders("(1, 2)", "{% set t = 1, 2 %}{{ t }}");
    }

    [Fact]
    public void Render_SetInsideLoop_DoesNotLeakOrCarryOver() =>
        Renders("1 1 0", "{% set total = 0 %}{% for n in [1, 1] %}{% set total = total + n %}{{ total }} {% endfor %}{{ total }}");

    [Fact]
    public void Render_SetInsideIf_IsVisibleAfterTheIf() =>
        Renders("formal", "{% set tone = 'casual' %}{% if vip %}{% set tone = 'formal' %}{% endif %}{{ tone }}", ("vip", true));

    [Fact]
    public void Render_LoopVariableDoesNotLeak_OuterValueVisibleAfterLoop() =>
        Renders("12outer", "{% for x in [1, 2] %}{{ x }}{% endfor %}{{ x }}", ("x", "outer"));

    [Fact]
    public void Render_BlockSet_CapturesRenderedText() =>
        Renders("[Hello Ann!]", "{% set greeting %}Hello {{ name }}!{% endset %}[{{ greeting }}]", ("name", "Ann"));

    [Fact]
    public void Render_ColonAfterTag_IsAccepted() => Renders("y", "{% if true: %}y{% endif %}");

    [Fact]
    public void Render_UnpackingWrongCount_FailsWithPythonMessage()
    {
        Assert.Equal(
            "line 1, column 4: not enough values to unpack (expected 2, got 1)",
            RenderError("{% for a, b in [[1]] %}{% endfor %}").Message);
        Assert.Equal(
            "line 1, column 4: too many values to unpack (expected 2)",
            RenderError("{% set a, b = [1, 2, 3] %}").Message);
        Assert.Equal(
            "line 1, column 4: cannot unpack non-iterable int object",
            RenderError("{% for a, b in [1] %}{% endfor %}").Message);
    }

    [Fact]
    public void Render_ForOverNone_FailsWithPythonMessage() =>
        Assert.Equal("line 1, column 13: 'NoneType' object is not iterable", RenderError("{% for x in items %}{% endfor %}", ("items", null)).Message);

    [Fact]
    public void Render_LoopDepth_IsOneForNonRecursiveLoops() => Renders("1/0", "{% for x in [1] %}{{ loop.depth }}/{{ loop.depth0 }}{% endfor %}");

    [Fact]
    public void Render_ItemsOnNonMapping_FailsNamingTheValue() =>
        Assert.Equal(
            "line 1, column 19: 'xs' is a list, not a mapping, so it has no items()",
            RenderError("{% for k, v in xs.items() %}{% endfor %}", ("xs", List(1))).Message);

    [Fact]
    public void Render_LoopOverRangeWithStep_Works() =>
        Renders("10,7,4,1,", "{% for i in range(10, 0, -3) %}{{ i }},{% endfor %}");
}
