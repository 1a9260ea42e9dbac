namespace Mxcp.Abstractions;

/// <summary>
/// A scalar SQL function that a plugin implements outside the SQL engine, for example an <c>@udf</c> method of one of
/// the project's Python plugins (<c>decrypt_str_secret</c>). See <see cref="ISqlFunctionProvider"/>.
/// </summary>
public sealed class SqlFunction
{
    /// <summary>The name SQL calls it by (<c>decrypt_str_secret</c>).</summary>
    public required string Name { get; init; }

    /// <summary>
    /// The SQL types of its parameters, as the engine writes them: <c>VARCHAR</c>, <c>INTEGER</c>, <c>DOUBLE</c>,
    /// <c>BOOLEAN</c>, <c>DECIMAL</c>, <c>DATE</c>, <c>TIME</c>, <c>TIMESTAMP</c>, <c>INTERVAL</c>, <c>BLOB</c>,
    /// <c>INTEGER[]</c>, <c>MAP(VARCHAR, INTEGER)</c>, <c>STRUCT(name VARCHAR, value INTEGER)</c>, ... Arguments of
    /// other types are cast to these before the function sees them.
    /// </summary>
    public required IReadOnlyList<string> ParameterTypes { get; init; }

    /// <summary>The SQL type of its result; each value returned is converted to it.</summary>
    public required string ReturnType { get; init; }

    /// <summary>Where it comes from, for messages (<c>method decrypt of Python plugin str_secret (module my_plugin)</c>).</summary>
    public string? Origin { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Name}({string.Join(", ", ParameterTypes)}) -> {ReturnType}";
}
