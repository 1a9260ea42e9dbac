namespace Mxcp.Runtime.Templates;

/// <summary>Applies a filter to its input and its bound arguments (one per parameter, defaults filled in).</summary>
internal delegate object? FilterFunction(object? value, object?[] arguments);

/// <summary>A filter parameter after the input, with Jinja2's name and default.</summary>
internal sealed record FilterParameter(string Name, object? Default = null, bool Required = false);

/// <summary>A built-in filter: its name, its parameters (bound at parse time) and its implementation.</summary>
internal sealed class FilterDefinition(string name, FilterFunction function, params FilterParameter[] parameters)
{
    public string Name { get; } = name;

    public FilterFunction Function { get; } = function;

    public IReadOnlyList<FilterParameter> Parameters { get; } = parameters;
}
