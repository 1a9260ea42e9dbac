namespace Mxcp.Runtime.Yaml;

/// <summary>
/// The bounds every YAML file Mxcp reads is held to (endpoint files, <c>mxcp-site.yml</c>, the user configuration).
/// They keep a hostile or broken file from exhausting the stack or memory of a server that reloads it; real project
/// files stay far below them. A file that reaches one is an error naming the file and, where known, the line.
/// </summary>
internal static class YamlLimits
{
    /// <summary>The largest file read, in bytes (4 MiB).</summary>
    public const long MaxDocumentBytes = 4L * 1024 * 1024;

    /// <summary>The deepest nesting of mappings and sequences, counted through aliases.</summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// The most nodes (scalars, mappings, sequences, keys included) of a document, counting each use of an alias as the
    /// nodes it stands for. Bounds the "billion laughs" alias bomb, which is small on disk but huge once expanded.
    /// </summary>
    public const int MaxNodes = 250_000;
}
