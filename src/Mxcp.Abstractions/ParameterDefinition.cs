namespace Mxcp.Abstractions;

/// <summary>A named parameter of a tool, resource or prompt.</summary>
/// <param name="Name">The parameter name (<c>^[A-Za-z_][A-Za-z0-9_]*$</c>).</param>
/// <param name="Schema">The parameter type and constraints.</param>
public sealed record ParameterDefinition(string Name, TypeSchema Schema);
