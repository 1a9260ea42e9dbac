namespace Mxcp.Runtime.Templates;

/// <summary>
/// A prompt template could not be parsed, or uses a construct this renderer does not support. The message starts with
/// the line and column of the problem and says what is wrong.
/// </summary>
internal sealed class TemplateSyntaxException : Exception
{
    public TemplateSyntaxException(string reason, int line, int column)
        : base($"line {line}, column {column}: {reason}")
    {
        Reason = reason;
        Line = line;
        Column = column;
    }

    /// <summary>What is wrong, without the position.</summary>
    public string Reason { get; }

    /// <summary>The 1-based line of the problem.</summary>
    public int Line { get; }

    /// <summary>The 1-based column of the problem.</summary>
    public int Column { get; }
}
