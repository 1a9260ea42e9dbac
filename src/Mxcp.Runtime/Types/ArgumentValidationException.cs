namespace Mxcp.Runtime.Types;

/// <summary>
/// The arguments of a call are invalid. <see cref="Exception.Message"/> is written for the client (and the LLM behind
/// it): what was wrong and where, e.g. <c>Error validating parameter 'items': items[2].price: Value must be &gt;= 0</c>.
/// </summary>
internal sealed class ArgumentValidationException : Exception
{
    public ArgumentValidationException(string message, string parameterName, ValidationRule rule, string? path = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ParameterName = parameterName;
        Rule = rule;
        Path = path;
    }

    /// <summary>The parameter (or, for <see cref="ValidationRule.Unknown"/>, the argument) at fault.</summary>
    public string ParameterName { get; }

    /// <summary>The rule that failed.</summary>
    public ValidationRule Rule { get; }

    /// <summary>Where inside the parameter the failing value is (<c>items[2].price</c>); <see langword="null"/> for the parameter itself.</summary>
    public string? Path { get; }
}
