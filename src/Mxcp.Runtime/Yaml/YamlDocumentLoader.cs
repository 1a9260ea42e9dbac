using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Mxcp.Runtime.Yaml;

/// <summary>
/// Reads a YAML file into <see cref="YamlNode"/>s that remember their positions, within <see cref="YamlLimits"/>.
/// </summary>
/// <remarks>
/// The tree is built straight from the parser's events. An alias shares the node of its anchor (the tree is
/// immutable), but it counts, for the limits, as the nodes and the depth it stands for: whoever walks the tree
/// afterwards walks the expansion. An alias inside the node its anchor names (a recursive alias) is an error.
/// </remarks>
internal static class YamlDocumentLoader
{
    /// <summary>Loads the first document of a file; <see langword="null"/> when the file holds no document.</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="displayPath">How the file is named in error messages.</param>
    public static YamlNode? LoadFile(string path, string displayPath)
    {
        string text;
        try
        {
            text = ReadText(path, displayPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ProjectFileException(displayPath, $"cannot read the file: {e.Message}", e);
        }

        return Load(text, displayPath);
    }

    /// <summary>
    /// Reads a file's text, bounded by <see cref="YamlLimits.MaxDocumentBytes"/> whatever its reported length (a device
    /// or a pipe reports none): UTF-8, or UTF-16/UTF-32 when a byte order mark says so; a UTF-8 mark is dropped. The
    /// bytes are read into one array of the file's size (no stream buffers: projects of thousands of small files).
    /// </summary>
    internal static string ReadText(string path, string displayPath)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        var length = stream.CanSeek ? stream.Length : 0;
        if (length > YamlLimits.MaxDocumentBytes)
        {
            throw TooLarge(displayPath);
        }

        var buffer = new byte[length > 0 ? length + 1 : 4096];
        var count = 0;
        int read;
        while ((read = stream.Read(buffer, count, buffer.Length - count)) > 0)
        {
            count += read;
            if (count > YamlLimits.MaxDocumentBytes)
            {
                throw TooLarge(displayPath);
            }

            if (count == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, YamlLimits.MaxDocumentBytes + 1L));
            }
        }

        return Decode(buffer.AsSpan(0, count));
    }

    private static string Decode(ReadOnlySpan<byte> bytes) => bytes switch
    {
        [0xEF, 0xBB, 0xBF, ..] => Encoding.UTF8.GetString(bytes[3..]),
        [0xFF, 0xFE, 0x00, 0x00, ..] => new UTF32Encoding(bigEndian: false, byteOrderMark: false).GetString(bytes[4..]),
        [0x00, 0x00, 0xFE, 0xFF, ..] => new UTF32Encoding(bigEndian: true, byteOrderMark: false).GetString(bytes[4..]),
        [0xFF, 0xFE, ..] => Encoding.Unicode.GetString(bytes[2..]),
        [0xFE, 0xFF, ..] => Encoding.BigEndianUnicode.GetString(bytes[2..]),
        _ => Encoding.UTF8.GetString(bytes),
    };

    public static YamlNode? Load(string text, string displayPath)
    {
        if (text.Length > YamlLimits.MaxDocumentBytes || Encoding.UTF8.GetByteCount(text) > YamlLimits.MaxDocumentBytes)
        {
            throw TooLarge(displayPath);
        }

        try
        {
            return new DocumentBuilder(new Parser(new StringReader(text)), displayPath).ReadFirstDocument();
        }
        catch (YamlException e)
        {
            var detail = e.InnerException is YamlException inner && !string.IsNullOrEmpty(inner.Message) ? inner.Message : e.Message;
            detail = StripMark(detail);
            throw new ProjectFileException(displayPath, (int)e.Start.Line, (int)e.Start.Column, null, $"invalid YAML: {detail}", e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner fails this way when the text ends inside a flow collection or quote.
            var (line, column) = LastParsedPosition(text);
            throw new ProjectFileException(displayPath, line, column, null, "invalid YAML: the document ends inside an unclosed '[', '{' or quote", e);
        }
        catch (ArgumentException e)
        {
            // YamlDotNet's parser fails this way on a tag it cannot build (a "!!" or "!prefix!" tag that is no valid URI).
            var (line, column) = LastParsedPosition(text);
            throw new ProjectFileException(displayPath, line, column, null, $"invalid YAML: a tag after this point is not valid ({e.Message.Split(" (Parameter", 2)[0]})", e);
        }
    }

    private static ProjectFileException TooLarge(string displayPath) =>
        new(displayPath, string.Create(CultureInfo.InvariantCulture,
            $"the file is larger than {YamlLimits.MaxDocumentBytes / (1024 * 1024)} MiB, the most a project or configuration file may be"));

    private static YamlScalar ToScalar(Scalar scalar)
    {
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        var plain = scalar.Style is ScalarStyle.Plain or ScalarStyle.Any && tag is null or "?";
        if (tag == "tag:yaml.org,2002:str")
        {
            plain = false;
        }

        return new YamlScalar(scalar.Value ?? "", plain, (int)scalar.Start.Line, (int)scalar.Start.Column);
    }

    private static (int Line, int Column) LastParsedPosition(string text)
    {
        var parser = new Parser(new StringReader(text));
        var line = 1;
        var column = 1;
        try
        {
            while (parser.MoveNext())
            {
                if (parser.Current is { } current)
                {
                    line = (int)current.Start.Line;
                    column = (int)current.Start.Column;
                }
            }
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException or ArgumentException)
        {
            // The position of the last good event is what we report.
        }

        return (line, column);
    }

    private static string StripMark(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the location is reported separately.
        var idx = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && idx > 0 ? message[(idx + 3)..] : message;
    }

    /// <summary>Builds the tree of one document from parser events, counting nodes and depth as aliases expand.</summary>
    private sealed class DocumentBuilder(Parser parser, string displayPath)
    {
        // An anchor whose node is still being read: an alias to it would make the tree contain itself.
        private static readonly Anchored Open = new(null!, 0, 0);

        private readonly Dictionary<string, Anchored> _anchors = new(StringComparer.Ordinal);
        private long _nodes;

        public YamlNode? ReadFirstDocument()
        {
            Next(); // StreamStart
            Next();
            if (parser.Current is not DocumentStart)
            {
                return null;
            }

            Next();
            var empty = parser.Current is Scalar { Value: null or "", Tag.IsEmpty: true };
            var root = Read(enclosing: 0, out _);

            // Later documents are not used, but their syntax is still checked (as it always was).
            while (parser.MoveNext())
            {
            }

            return empty ? null : root;
        }

        private void Next()
        {
            if (!parser.MoveNext())
            {
                throw new InvalidOperationException("the YAML stream ended early");
            }
        }

        /// <summary>Reads the node at the current event and moves past it.</summary>
        /// <param name="enclosing">How many mappings and sequences contain the node.</param>
        /// <param name="height">The mappings and sequences nested in the node, itself included (0 for a scalar).</param>
        private YamlNode Read(int enclosing, out int height)
        {
            var current = parser.Current!;
            switch (current)
            {
                case AnchorAlias alias:
                    {
                        var name = alias.Value.Value;
                        if (!_anchors.TryGetValue(name, out var anchored))
                        {
                            throw Error(current, $"alias '*{name}' has no anchor before it (define '&{name}' first)");
                        }

                        if (ReferenceEquals(anchored, Open))
                        {
                            throw Error(current, $"alias '*{name}' refers to the node that contains it (a recursive alias cannot be expanded)");
                        }

                        Count(anchored.Nodes, current);
                        if (enclosing + anchored.Height > YamlLimits.MaxDepth)
                        {
                            throw TooDeep(current, aliases: true);
                        }

                        height = anchored.Height;
                        Next();
                        return anchored.Node;
                    }

                case Scalar scalar:
                    {
                        Count(1, current);
                        var node = ToScalar(scalar);
                        height = 0;
                        Anchor(scalar, new Anchored(node, 1, 0));
                        Next();
                        return node;
                    }

                case SequenceStart start:
                    {
                        var depth = Enter(start, enclosing);
                        var before = _nodes;
                        var items = new List<YamlNode>();
                        var inner = 0;
                        Next();
                        while (parser.Current is not SequenceEnd)
                        {
                            items.Add(Read(depth, out var h));
                            inner = Math.Max(inner, h);
                        }

                        Next();
                        var node = new YamlSequence(items, (int)start.Start.Line, (int)start.Start.Column);
                        height = inner + 1;
                        Anchor(start, new Anchored(node, _nodes - before, height));
                        return node;
                    }

                case MappingStart start:
                    {
                        var depth = Enter(start, enclosing);
                        var before = _nodes;
                        var entries = new List<KeyValuePair<YamlScalar, YamlNode>>();
                        HashSet<string>? seen = null;
                        var inner = 0;
                        Next();
                        while (parser.Current is not MappingEnd)
                        {
                            var keyEvent = parser.Current!;
                            if (Read(depth, out _) is not YamlScalar key)
                            {
                                throw Error(keyEvent, "mapping keys must be plain strings");
                            }

                            if (IsDuplicate(entries, ref seen, key.Value))
                            {
                                throw Error(keyEvent, $"duplicate key '{key.Value}'");
                            }

                            entries.Add(new(key, Read(depth, out var h)));
                            inner = Math.Max(inner, h);
                        }

                        Next();
                        var node = new YamlMapping(entries, (int)start.Start.Line, (int)start.Start.Column);
                        height = inner + 1;
                        Anchor(start, new Anchored(node, _nodes - before, height));
                        return node;
                    }

                default:
                    throw Error(current, "unsupported YAML node");
            }
        }

        /// <summary>
        /// Whether <paramref name="entries"/> has <paramref name="key"/> already: compared one by one while the mapping is
        /// small (most are: a few keys, which comparing costs less than hashing them into a set per mapping), through
        /// <paramref name="seen"/> once it grows.
        /// </summary>
        private static bool IsDuplicate(List<KeyValuePair<YamlScalar, YamlNode>> entries, ref HashSet<string>? seen, string key)
        {
            const int SmallMapping = 8;
            if (seen is null)
            {
                foreach (var entry in entries)
                {
                    if (string.Equals(entry.Key.Value, key, StringComparison.Ordinal))
                    {
                        return true;
                    }
                }

                if (entries.Count < SmallMapping)
                {
                    return false;
                }

                seen = new HashSet<string>(entries.Count * 2, StringComparer.Ordinal);
                foreach (var entry in entries)
                {
                    seen.Add(entry.Key.Value);
                }
            }

            return !seen.Add(key);
        }

        /// <summary>Counts a mapping or sequence and marks its anchor open; returns its depth.</summary>
        private int Enter(NodeEvent start, int enclosing)
        {
            var depth = enclosing + 1;
            if (depth > YamlLimits.MaxDepth)
            {
                throw TooDeep(start, aliases: false);
            }

            Count(1, start);
            if (!start.Anchor.IsEmpty)
            {
                _anchors[start.Anchor.Value] = Open;
            }

            return depth;
        }

        private void Anchor(NodeEvent node, Anchored anchored)
        {
            if (!node.Anchor.IsEmpty)
            {
                _anchors[node.Anchor.Value] = anchored;
            }
        }

        private void Count(long nodes, ParsingEvent at)
        {
            _nodes += nodes;
            if (_nodes > YamlLimits.MaxNodes)
            {
                throw Error(at, string.Create(CultureInfo.InvariantCulture,
                    $"the document has more than {YamlLimits.MaxNodes:N0} nodes (aliases included: each use of an alias counts the nodes it stands for)"));
            }
        }

        private ProjectFileException TooDeep(ParsingEvent at, bool aliases) =>
            Error(at, string.Create(CultureInfo.InvariantCulture,
                $"mappings and lists are nested more than {YamlLimits.MaxDepth} levels{(aliases ? " (aliases included)" : "")}"));

        private ProjectFileException Error(ParsingEvent at, string detail) =>
            new(displayPath, (int)at.Start.Line, (int)at.Start.Column, null, detail);
    }

    /// <summary>The node an anchor names, with the nodes and the height an alias to it stands for.</summary>
    private sealed record Anchored(YamlNode Node, long Nodes, int Height);
}
