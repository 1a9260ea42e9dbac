namespace Mxcp.Runtime.Templates;

/// <summary>
/// Jinja2's default <c>Undefined</c>: renders as an empty string, is falsy, iterates as empty, and fails with its
/// <see cref="Hint"/> when used where a value is needed (arithmetic, ordering, most conversions).
/// </summary>
internal sealed class UndefinedValue
{
    public UndefinedValue(string hint)
    {
        Hint = hint;
    }

    /// <summary>Why the value is undefined, for example <c>'user.age' is undefined</c>.</summary>
    public string Hint { get; }

    public TemplateEvaluationException Error() => new(Hint);

    public override string ToString() => string.Empty;
}
