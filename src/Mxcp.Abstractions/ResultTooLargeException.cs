namespace Mxcp.Abstractions;

/// <summary>A result was refused because it is larger than the <see cref="ResultLimits"/> allow.</summary>
public sealed class ResultTooLargeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ResultTooLargeException()
    {
    }

    /// <summary>Creates the exception with its message.</summary>
    /// <param name="message">What was refused and how to raise the limit.</param>
    public ResultTooLargeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its message and cause.</summary>
    /// <param name="message">What was refused and how to raise the limit.</param>
    /// <param name="innerException">The cause.</param>
    public ResultTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
