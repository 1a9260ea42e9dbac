using Mxcp.Runtime.Templates;

namespace Mxcp.Runtime.Tests.Templates;

/// <summary>Short helpers so each test reads as template, variables, expected text.</summary>
internal static class TemplateAssert
{
    public static string Render(string template, params (string Name, object? Value)[] variables) =>
        JinjaTemplate.Parse(template).Render(variables.ToDictionary(v => v.Name, v => v.Value));

    public static void Renders(string expected, string template, params (string Name, object? Value)[] variables) =>
        Assert.Equal(expected, Render(template, variables));

    public static TemplateSyntaxException SyntaxError(string template) =>
        Assert.Throws<TemplateSyntaxException>(() => JinjaTemplate.Parse(template));

    public static TemplateRenderException RenderError(string template, params (string Name, object? Value)[] variables)
    {
        var parsed = JinjaTemplate.Parse(template);
        return Assert.Throws<TemplateRenderException>(() => parsed.Render(variables.ToDictionary(v => v.Name, v => v.Value)));
    }

    public static object?[] List(params object?[] items) => items;

    public static Dictionary<string, object?> Dict(params (string Key, object? Value)[] entries) =>
        entries.ToDictionary(e => e.Key, e => e.Value);
}
