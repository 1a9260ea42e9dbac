namespace Mxcp.Runtime.Policies.Cel;

/// <summary>A compile error of a CEL expression, located by 1-based line and column (in code points).</summary>
internal sealed record CelDiagnostic(int Line, int Column, string Message)
{
    /// <summary>Locates a UTF-16 offset of <paramref name="source"/>.</summary>
    public static CelDiagnostic At(string source, int offset, string message)
    {
        offset = Math.Clamp(offset, 0, source.Length);
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset; i++)
        {
            if (source[i] == '\n' || (source[i] == '\r' && (i + 1 >= source.Length || source[i + 1] != '\n')))
            {
                line++;
                lineStart = i + 1;
            }
        }

        var column = 1;
        for (var i = lineStart; i < offset; i++)
        {
            if (!char.IsLowSurrogate(source[i]))
            {
                column++;
            }
        }

        return new CelDiagnostic(line, column, message);
    }

    /// <inheritdoc />
    public override string ToString() => $"line {Line}, column {Column}: {Message}";
}
