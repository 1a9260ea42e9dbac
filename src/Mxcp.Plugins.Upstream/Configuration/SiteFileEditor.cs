using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mxcp.Plugins.Upstream.Configuration;

/// <summary>
/// Edits the <c>upstreams</c> section of <c>mxcp-site.yml</c> in place: only the lines of the upstream that is added,
/// replaced or removed are rewritten, so the rest of the file (other keys, other upstreams, comments, order) stays as
/// the user wrote it. An entry written here is block YAML with quoted strings; lists of mappings (policies) are
/// written in flow style.
/// </summary>
internal static partial class SiteFileEditor
{
    public const string FileName = "mxcp-site.yml";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_./-]*$")]
    private static partial Regex PlainPattern();

    [GeneratedRegex("^(true|false|yes|no|on|off|null|y|n)$", RegexOptions.IgnoreCase)]
    private static partial Regex ReservedPattern();

    private static readonly JsonSerializerOptions Quoting = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The <c>upstreams</c> section as written (references not resolved), by name; empty when there is none.</summary>
    /// <exception cref="InvalidOperationException">The file is not a YAML mapping.</exception>
    public static JsonObject Upstreams(string text)
    {
        var (_, section) = Locate(text);
        return section?.Value is YamlMappingNode mapping ? (JsonObject)ToJson(mapping)! : [];
    }

    /// <summary>The text with the upstream <paramref name="name"/> set to <paramref name="value"/>, or removed when it is <see langword="null"/>.</summary>
    /// <exception cref="InvalidOperationException">The file is not a YAML mapping.</exception>
    public static string SetUpstream(string text, string name, JsonObject? value)
    {
        var newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        var (root, section) = Locate(text);
        if (section is not { } found)
        {
            if (value is not null)
            {
                lines.Add(SiteSectionKey);
                lines.AddRange(Entry(name, value, 2));
            }

            return string.Join(newline, lines) + newline;
        }

        var keyLine = (int)found.Key.Start.Line - 1;
        var sectionEnd = root.Children.Keys.Select(k => (int)k.Start.Line - 1).Where(l => l > keyLine).DefaultIfEmpty(lines.Count).Min();
        if (found.Value is YamlMappingNode { Style: not YamlDotNet.Core.Events.MappingStyle.Flow } block && block.Children.Count > 0)
        {
            var entries = block.Children.Select(c => (Name: (c.Key as YamlScalarNode)?.Value, Line: (int)c.Key.Start.Line - 1, Indent: (int)c.Key.Start.Column - 1)).ToList();
            var indent = entries[0].Indent;
            var index = entries.FindIndex(e => e.Name == name);
            if (index < 0)
            {
                if (value is not null)
                {
                    lines.InsertRange(TrimmedEnd(lines, entries[^1].Line, sectionEnd), Entry(name, value, indent));
                }
            }
            else
            {
                var start = entries[index].Line;
                var end = TrimmedEnd(lines, start, index + 1 < entries.Count ? entries[index + 1].Line : sectionEnd);
                lines.RemoveRange(start, end - start);
                if (value is not null)
                {
                    lines.InsertRange(start, Entry(name, value, indent));
                }
            }

            return string.Join(newline, lines) + newline;
        }

        // An empty, null or flow-style section is written again as a block.
        var all = found.Value is YamlMappingNode flow ? (JsonObject)ToJson(flow)! : [];
        if (value is null)
        {
            all.Remove(name);
        }
        else
        {
            all[name] = value.DeepClone();
        }

        var valueEnd = Math.Max(keyLine + 1, Math.Min(sectionEnd, found.Value is YamlScalarNode ? keyLine + 1 : (int)found.Value.End.Line));
        lines.RemoveRange(keyLine, valueEnd - keyLine);
        var replacement = new List<string> { all.Count == 0 ? SiteSectionKey + " {}" : SiteSectionKey };
        foreach (var (entryName, entryValue) in all)
        {
            replacement.AddRange(Entry(entryName, (JsonObject)entryValue!, 2));
        }

        lines.InsertRange(keyLine, replacement);
        return string.Join(newline, lines) + newline;
    }

    private const string SiteSectionKey = UpstreamSettingsReader.SectionKey + ":";

    private static (YamlMappingNode Root, KeyValuePair<YamlNode, YamlNode>? Section) Locate(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new InvalidOperationException($"{FileName} cannot be read as YAML: {e.Message}", e);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new InvalidOperationException($"{FileName} is not a mapping of keys to values");
        }

        foreach (var child in root.Children)
        {
            if (child.Key is YamlScalarNode { Value: UpstreamSettingsReader.SectionKey })
            {
                return (root, child);
            }
        }

        return (root, null);
    }

    /// <summary>The line after the last line of an entry that holds more than blanks or comments (those stay with what follows).</summary>
    private static int TrimmedEnd(List<string> lines, int start, int end)
    {
        while (end > start + 1 && (lines[end - 1].Trim().Length == 0 || lines[end - 1].TrimStart().StartsWith('#')))
        {
            end--;
        }

        return end;
    }

    private static List<string> Entry(string name, JsonObject value, int indent)
    {
        var lines = new List<string>();
        Property(lines, name, value, indent);
        return lines;
    }

    private static void Property(List<string> lines, string key, JsonNode? value, int indent)
    {
        var prefix = new string(' ', indent) + Scalar(key) + ":";
        switch (value)
        {
            case JsonObject { Count: > 0 } obj:
                lines.Add(prefix);
                foreach (var (name, child) in obj)
                {
                    Property(lines, name, child, indent + 2);
                }

                break;
            case JsonObject:
                lines.Add(prefix + " {}");
                break;
            case JsonArray array when array.All(i => i is null or JsonValue):
                lines.Add(prefix + " [" + string.Join(", ", array.Select(i => Scalar(i))) + "]");
                break;
            default:
                lines.Add(prefix + " " + Scalar(value));
                break;
        }
    }

    private static string Scalar(JsonNode? node) => node switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => Scalar(v.GetValue<string>()),
        JsonValue v => v.ToJsonString(),
        _ => node.ToJsonString(Quoting),
    };

    private static string Scalar(string text) =>
        PlainPattern().IsMatch(text) && !ReservedPattern().IsMatch(text) ? text : JsonSerializer.Serialize(text, Quoting);

    /// <summary>A YAML node as JSON, scalars typed as YAML's core schema types them (plain <c>30</c> is a number, quoted <c>"30"</c> a string).</summary>
    internal static JsonNode? ToJson(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    obj[(key as YamlScalarNode)?.Value ?? key.ToString()] = ToJson(value);
                }

                return obj;
            case YamlSequenceNode sequence:
                return new JsonArray([.. sequence.Children.Select(ToJson)]);
            case YamlScalarNode { Style: ScalarStyle.Plain, Value: var plain }:
                if (plain is null or "" or "~" or "null" or "Null" or "NULL")
                {
                    return null;
                }

                if (plain is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
                {
                    return JsonValue.Create(plain[0] is 't' or 'T');
                }

                if (long.TryParse(plain, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
                {
                    return JsonValue.Create(whole);
                }

                if (double.TryParse(plain, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
                {
                    return JsonValue.Create(real);
                }

                return JsonValue.Create(plain);
            case YamlScalarNode scalar:
                return JsonValue.Create(scalar.Value ?? "");
            default:
                return null;
        }
    }
}

/// <summary>Replaces a file atomically: a temporary file next to it, flushed to disk, renamed over it.</summary>
internal static class AtomicFile
{
    public static void WriteAllText(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            if (File.Exists(path) && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
