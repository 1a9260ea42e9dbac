namespace Mxcp.Runtime.Templates;

/// <summary>
/// Template text prepared the way Jinja2's lexer prepares it, plus the mapping from offsets to lines and columns used
/// in error messages.
/// </summary>
internal sealed class TemplateSource
{
    private readonly int[] _lineStarts;

    public TemplateSource(string source)
    {
        Text = Normalize(source);
        var starts = new List<int> { 0 };
        for (var i = 0; i < Text.Length; i++)
        {
            if (Text[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }

        _lineStarts = [.. starts];
    }

    public string Text { get; }

    public (int Line, int Column) GetPosition(int offset)
    {
        var index = Array.BinarySearch(_lineStarts, offset);
        if (index < 0)
        {
            index = ~index - 1;
        }

        return (index + 1, offset - _lineStarts[index] + 1);
    }

    public string Describe(int offset)
    {
        var (line, column) = GetPosition(offset);
        return $"line {line}, column {column}";
    }

    public TemplateSyntaxException SyntaxError(int offset, string reason)
    {
        var (line, column) = GetPosition(offset);
        return new TemplateSyntaxException(reason, line, column);
    }

    public TemplateRenderException RenderError(int offset, string reason, Exception? inner = null) =>
        inner is null
            ? new TemplateRenderException($"{Describe(offset)}: {reason}")
            : new TemplateRenderException($"{Describe(offset)}: {reason}", inner);

    private static string Normalize(string source)
    {
        // Jinja2 splits the source on \r\n, \r and \n, joins the lines with \n and, because keep_trailing_newline is
        // off by default, drops the single line break that ends the template.
        var text = source.Contains('\r', StringComparison.Ordinal)
            ? source.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n')
            : source;
        return text.EndsWith('\n') ? text[..^1] : text;
    }
}
