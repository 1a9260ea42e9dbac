using static Mxcp.Runtime.Tests.Templates.TemplateAssert;

namespace Mxcp.Runtime.Tests.Templates;

/// <summary>Jinja2's default whitespace rules: trim_blocks, lstrip_blocks and keep_trailing_newline all off.</summary>
public sealed class WhitespaceControlTests
{
    [Fact]
    public void Render_TemplateEndingWithNewline_DropsOneNewline()
    {
        Renders("Hello", "Hello\n");
        Renders("Hello\n", "Hello\n\n");
        Renders("Hello", "Hello\r\n");
    }

    [Fact]
    public void Render_CarriageReturnNewlines_BecomeNewlines() => Renders("a\nb\nc", "a\r\nb\rc");

    [Fact]
    public void Render_BlockTagsWithoutControl_KeepSurroundingNewlines() =>
        Renders("\nyes\n", "{% if true %}\nyes\n{% endif %}\n");

    [Fact]
    public void Render_MinusOnBlockTags_StripsAllWhitespaceOnThatSide() =>
        Renders("a b c", "a  \n {%- if true %} b {% endif -%} \n\n c");

    [Fact]
    public void Render_MinusOnVariableTags_StripsAllWhitespaceOnThatSide() =>
        Renders("a[x]b", "a \n {{- '[x]' -}} \n b");

    [Fact]
    public void Render_MinusOnOneSideOnly_StripsOnlyThatSide()
    {
        Renders("a[x] \n b", "a \n {{- '[x]' }} \n b");
        Renders("a \n [x]b", "a \n {{ '[x]' -}} \n b");
    }

    [Fact]
    public void Render_Comments_RenderNothingAndHonourMinus()
    {
        Renders("a  b", "a {# note #} b");
        Renders("ab", "a {#- note -#} b");
        Renders("a\n\nb", "a\n{# multi\nline #}\nb");
    }

    [Fact]
    public void Render_PlusModifiers_ChangeNothingWithDefaultSettings() =>
        Renders("a  b \n", "a {%+ if true +%} b {% endif +%}\n\n");

    [Fact]
    public void Render_ForLoopWithMinus_JoinsItemsOnOneLine() =>
        Renders("123", "{% for x in [1, 2, 3] -%}\n  {{ x }}\n{%- endfor %}");

    [Fact]
    public void Render_ListPromptWithLeadingMinus_PutsEachItemOnItsOwnLine() =>
        Renders(
            "Items:\n- a\n- b\nDone.",
            "Items:\n{%- for item in items %}\n- {{ item }}\n{%- endfor %}\nDone.\n",
            ("items", List("a", "b")));

    [Fact]
    public void Render_RawBlock_OutputsTemplateSyntaxVerbatim() =>
        Renders("{{ x }} {% if %} {# c #}", "{% raw %}{{ x }} {% if %} {# c #}{% endraw %}");

    [Fact]
    public void Render_RawBlockWithMinus_StripsAroundAndInside() =>
        Renders("a{{ x }}b", "a {%- raw -%}  {{ x }}  {%- endraw -%}  b");

    [Fact]
    public void Render_WhitespaceInsideTags_IsFree() =>
        Renders("3", "{%if   x   %}{{x+1}}{%endif%}", ("x", 2));

    [Fact]
    public void Render_StripIncludesTabsAndBlankLines() =>
        Renders("[1][2]", "[1]\t\n\n\t{%- set x = 2 -%}\n\n\t[{{ x }}]");
}
