using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mxcp.Runtime.Yaml;

/// <summary>Reads a YAML file into <see cref="YamlNode"/>s that remember their positions.</summary>
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
            // Detects UTF-8/UTF-16/UTF-32 byte order marks; UTF-8 otherwise.
            using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            text = reader.ReadToEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ProjectFileException(displayPath, $"cannot read the file: {e.Message}", e);
        }

        return Load(text, displayPath);
    }

    public static YamlNode? Load(string text, string displayPath)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
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

        if (stream.Documents.Count == 0)
        {
            return null;
        }

        var root = stream.Documents[0].RootNode;
        return root is YamlScalarNode { Value: null or "" } && root.Tag.IsEmpty ? null : Convert(root, displayPath);
    }

    private static YamlNode Convert(YamlDotNet.RepresentationModel.YamlNode node, string displayPath)
    {
        var line = (int)node.Start.Line;
        var column = (int)node.Start.Column;
        switch (node)
        {
            case YamlScalarNode scalar:
                return ToScalar(scalar);
            case YamlSequenceNode sequence:
                var items = new List<YamlNode>(sequence.Children.Count);
                foreach (var child in sequence.Children)
                {
                    items.Add(Convert(child, displayPath));
                }

                return new YamlSequence(items, line, column);
            case YamlMappingNode mapping:
                var entries = new List<KeyValuePair<YamlScalar, YamlNode>>(mapping.Children.Count);
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is not YamlScalarNode keyScalar)
                    {
                        throw new ProjectFileException(displayPath, (int)key.Start.Line, (int)key.Start.Column, null, "mapping keys must be plain strings");
                    }

                    var k = ToScalar(keyScalar);
                    if (!seen.Add(k.Value))
                    {
                        throw new ProjectFileException(displayPath, k.Line, k.Column, null, $"duplicate key '{k.Value}'");
                    }

                    entries.Add(new(k, Convert(value, displayPath)));
                }

                return new YamlMapping(entries, line, column);
            default:
                throw new ProjectFileException(displayPath, line, column, null, "unsupported YAML node");
        }
    }

    private static YamlScalar ToScalar(YamlScalarNode scalar)
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
        catch (Exception e) when (e is YamlException or InvalidOperationException)
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
}
