namespace Mxcp.Runtime.Templates;

/// <summary>
/// Rendering a prompt template failed: an undefined value was used where a value is needed, an operation got values of
/// the wrong type, a division by zero and so on. The message starts with the line and column of the failing expression.
/// </summary>
internal sealed class TemplateRenderException : Exception
{
    public TemplateRenderException(string message)
        : base(message)
    {
    }

    public TemplateRenderException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
