namespace Mxcp.Runtime.Templates;

/// <summary>Evaluates a test (<c>value is name</c> or <c>value is name(argument)</c>).</summary>
internal delegate bool TestFunction(object? value, object? argument);

/// <summary>A built-in test: its name, the name of its one argument if it takes one, and its implementation.</summary>
internal sealed class TestDefinition(string name, string? parameter, TestFunction function)
{
    public string Name { get; } = name;

    /// <summary>The name of the argument (Jinja2's), or <see langword="null"/> for tests without one.</summary>
    public string? Parameter { get; } = parameter;

    public TestFunction Function { get; } = function;
}
