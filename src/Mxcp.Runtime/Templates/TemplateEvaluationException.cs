namespace Mxcp.Runtime.Templates;

/// <summary>
/// Raised by value operations and filters, which do not know where they are in the template. The expression node that
/// called them turns it into a <see cref="TemplateRenderException"/> carrying the line and column.
/// </summary>
internal sealed class TemplateEvaluationException : Exception
{
    public TemplateEvaluationException(string message)
        : base(message)
    {
    }
}
