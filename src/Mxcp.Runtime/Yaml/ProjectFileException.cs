namespace Mxcp.Runtime.Yaml;

/// <summary>
/// A problem in a project or configuration file, with where it is: file, line, column and key path.
/// The message reads <c>path/to/file.yml:12:5: tool.parameters[0].type: expected one of ...</c>.
/// </summary>
internal sealed class ProjectFileException : Exception
{
    public ProjectFileException(string file, int line, int column, string? keyPath, string detail, Exception? inner = null)
        : base(Format(file, line, column, keyPath, detail), inner)
    {
        File = file;
        Line = line;
        Column = column;
        KeyPath = keyPath;
        Detail = detail;
    }

    public ProjectFileException(string file, string detail, Exception? inner = null)
        : this(file, 0, 0, null, detail, inner)
    {
    }

    public string File { get; }

    public int Line { get; }

    public int Column { get; }

    public string? KeyPath { get; }

    /// <summary>The message without the location prefix.</summary>
    public string Detail { get; }

    private static string Format(string file, int line, int column, string? keyPath, string detail)
    {
        var location = line > 0 ? $"{file}:{line}:{column}" : file;
        return string.IsNullOrEmpty(keyPath) ? $"{location}: {detail}" : $"{location}: {keyPath}: {detail}";
    }
}
