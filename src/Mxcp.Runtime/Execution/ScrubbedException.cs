namespace Mxcp.Runtime.Execution;

/// <summary>
/// An exception as it may be logged: its message and its text (type, message, inner exceptions, stack trace) with the
/// sensitive texts scrubbed. The original is not kept as an inner exception, since its message is what is hidden.
/// </summary>
internal sealed class ScrubbedException : Exception
{
    private readonly string _text;
    private readonly string? _stackTrace;

    public ScrubbedException(Exception original, SensitiveText sensitive)
        : base(sensitive.Scrub(original.Message))
    {
        ArgumentNullException.ThrowIfNull(original);
        _text = sensitive.Scrub(original.ToString());
        _stackTrace = original.StackTrace;
        OriginalType = original.GetType();
        HResult = original.HResult;
    }

    /// <summary>The type of the exception this one stands for.</summary>
    public Type OriginalType { get; }

    public override string? StackTrace => _stackTrace;

    public override string ToString() => _text;
}
