namespace Mxcp.Runtime.Types;

/// <summary>
/// A result does not match the declared return type. The message starts with <c>Output validation failed: </c> and
/// says where, e.g. <c>Output validation failed: Array item 3: Property 'price': Expected number, got string</c>.
/// </summary>
internal sealed class OutputValidationException : Exception
{
    public OutputValidationException(string message, ValidationRule rule, string? path, Exception? innerException = null)
        : base(message, innerException)
    {
        Rule = rule;
        Path = path;
    }

    /// <summary>The rule that failed.</summary>
    public ValidationRule Rule { get; }

    /// <summary>Where the failing value is, in JavaScript notation below <c>result</c> (<c>result[3].price</c>); <see langword="null"/> for the result itself.</summary>
    public string? Path { get; }
}
