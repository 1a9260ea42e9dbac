using Mxcp.Runtime.Templates;

namespace Mxcp.Runtime.Tests.Templates;

/// <summary>
/// MXCP validates that every variable a prompt reads is a declared parameter, using Jinja2's
/// meta.find_undeclared_variables; these are the names it would report.
/// </summary>
public sealed class UndeclaredVariablesTests
{
    private static string[] Undeclared(string template) => [.. JinjaTemplate.Parse(template).UndeclaredVariables];

    [Theory]
    [InlineData("Hello", new string[0])]
    [InlineData("{{ user.name }}", new[] { "user" })]
    [InlineData("{{ a }}{{ b.c.d }}{{ e['f'] }}{{ g[0] }}{{ h|upper }}", new[] { "a", "b", "e", "g", "h" })]
    [InlineData("{{ z }}{{ a }}{{ z }}", new[] { "a", "z" })]
    [InlineData("{{ a|default(b) }}{{ c if d else e }}{{ f is divisibleby(n) }}", new[] { "a", "b", "c", "d", "e", "f", "n" })]
    [InlineData("{{ items|map(attribute=attr)|join(sep) }}", new[] { "attr", "items", "sep" })]
    [InlineData("{{ d.items() }}{{ '%s' % v }}{{ [x, {'k': y}] }}", new[] { "d", "v", "x", "y" })]
    public void UndeclaredVariables_Expressions_ReportBaseNames(string template, string[] expected) =>
        Assert.Equal(expected, Undeclared(template));

    [Fact]
    public void UndeclaredVariables_LoopTargetsAndLoop_AreExcluded() =>
        Assert.Equal(["items"], Undeclared("{% for x in items %}{{ x }}{{ loop.index }}{{ loop.cycle('a', 'b') }}{% endfor %}"));

    [Fact]
    public void UndeclaredVariables_UnpackedTargets_AreExcluded() =>
        Assert.Equal(["d", "other"], Undeclared("{% for k, v in d.items() %}{{ k }}={{ v }}{{ other }}{% endfor %}"));

    [Fact]
    public void UndeclaredVariables_ForIfCondition_SeesTheTarget() =>
        Assert.Equal(["limit", "xs"], Undeclared("{% for x in xs if x > limit %}{{ x }}{% endfor %}"));

    [Fact]
    public void UndeclaredVariables_LoopOutsideAFor_IsReported() =>
        Assert.Equal(["loop"], Undeclared("{{ loop.index }}"));

    [Fact]
    public void UndeclaredVariables_LoopTargetAfterTheLoop_IsReported() =>
        Assert.Equal(["x", "xs"], Undeclared("{% for x in xs %}{% endfor %}{{ x }}"));

    [Fact]
    public void UndeclaredVariables_SetTargets_AreExcludedAfterTheSet()
    {
        Assert.Empty(Undeclared("{% set y = 1 %}{{ y }}"));
        Assert.Empty(Undeclared("{% set a, b = 1, 2 %}{{ a }}{{ b }}"));
        Assert.Equal(["body_source"], Undeclared("{% set body %}{{ body_source }}{% endset %}{{ body }}"));
    }

    [Fact]
    public void UndeclaredVariables_ReadBeforeSet_IsReported()
    {
        Assert.Equal(["y"], Undeclared("{{ y }}{% set y = 1 %}"));
        Assert.Equal(["count"], Undeclared("{% set count = count + 1 %}"));
    }

    [Fact]
    public void UndeclaredVariables_SetInsideLoop_DoesNotLeak() =>
        Assert.Equal(["t", "xs"], Undeclared("{% for i in xs %}{% set t = i %}{{ t }}{% endfor %}{{ t }}"));

    [Fact]
    public void UndeclaredVariables_SetInSomeBranches_IsReportedAsJinjaDoes()
    {
        // Jinja2 resolves a name set in only some branches of an if from the caller's variables.
        Assert.Equal(["a", "x"], Undeclared("{% if a %}{% set x = 1 %}{% endif %}{{ x }}"));
        Assert.Equal(["a", "x"], Undeclared("{% if a %}{% set x = 1 %}{% else %}{% set x = 2 %}{% endif %}"));
        Assert.Equal(["a"], Undeclared("{% set x = 0 %}{% if a %}{% set x = 1 %}{% endif %}{{ x }}"));
    }

    [Fact]
    public void UndeclaredVariables_RangeAndOtherJinjaGlobals_AreExcluded() =>
        Assert.Equal(["n"], Undeclared("{% for i in range(n) %}{{ i }}{% endfor %}"));

    [Fact]
    public void UndeclaredVariables_RawAndComments_AreIgnored() =>
        Assert.Equal(["real"], Undeclared("{# {{ hidden }} #}{% raw %}{{ literal }}{% endraw %}{{ real }}"));

    [Fact]
    public void UndeclaredVariables_NamesInsideIfConditionsAndBodies_AreReported() =>
        Assert.Equal(["a", "b", "c", "d"], Undeclared("{% if a %}{{ b }}{% elif c %}{% else %}{{ d }}{% endif %}"));
}
