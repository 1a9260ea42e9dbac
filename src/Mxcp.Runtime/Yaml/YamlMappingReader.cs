using System.Globalization;

namespace Mxcp.Runtime.Yaml;

/// <summary>
/// Reads typed values out of a YAML mapping and reports the first problem with file, line, column and key path.
/// Call <see cref="EnsureNoUnknownKeys"/> when done: unknown keys are errors, as in MXCP.
/// </summary>
internal sealed class YamlMappingReader
{
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    private YamlMappingReader(YamlMapping node, string file, string path)
    {
        Node = node;
        File = file;
        Path = path;
    }

    public YamlMapping Node { get; }

    public string File { get; }

    public string Path { get; }

    public static YamlMappingReader From(YamlNode node, string file, string path)
    {
        if (node is not YamlMapping mapping)
        {
            throw new ProjectFileException(file, node.Line, node.Column, NullIfEmpty(path), $"expected a mapping, got {node.Describe()}");
        }

        return new YamlMappingReader(mapping, file, path);
    }

    public string PathOf(string key) => Path.Length == 0 ? key : Path + "." + key;

    /// <summary>The raw node of a key, or <see langword="null"/> when absent or explicitly null.</summary>
    public YamlNode? Get(string key)
    {
        _known.Add(key);
        var node = Node[key];
        return node is YamlScalar { IsNull: true } ? null : node;
    }

    /// <summary>Whether the key is present, even with a null value.</summary>
    public bool Has(string key)
    {
        _known.Add(key);
        return Node.ContainsKey(key);
    }

    public YamlNode? GetIncludingNull(string key)
    {
        _known.Add(key);
        return Node[key];
    }

    public string? String(string key) => Get(key) is { } node ? AsString(node, PathOf(key)) : null;

    public string RequiredString(string key)
    {
        var value = String(key);
        if (value is null)
        {
            throw Missing(key);
        }

        return value;
    }

    public bool? Bool(string key) => Get(key) is { } node ? AsBool(node, PathOf(key)) : null;

    public int? Int(string key, int min = int.MinValue) => Get(key) is { } node ? AsInt(node, PathOf(key), min) : null;

    public long? Long(string key, long min = long.MinValue) => Get(key) is { } node ? AsLong(node, PathOf(key), min) : null;

    public double? Double(string key) => Get(key) is { } node ? AsDouble(node, PathOf(key)) : null;

    public YamlMappingReader? Mapping(string key) => Get(key) is { } node ? From(node, File, PathOf(key)) : null;

    public YamlSequence? Sequence(string key)
    {
        var node = Get(key);
        return node switch
        {
            null => null,
            YamlSequence s => s,
            _ => throw Error(node, PathOf(key), $"expected a list, got {node.Describe()}"),
        };
    }

    /// <summary>A list of strings; a single scalar is accepted as a one-item list when <paramref name="scalarAsList"/>.</summary>
    public IReadOnlyList<string>? StringList(string key, bool scalarAsList = false)
    {
        var node = Get(key);
        switch (node)
        {
            case null:
                return null;
            case YamlScalar when scalarAsList:
                return [AsString(node, PathOf(key))];
            case YamlSequence seq:
                var list = new List<string>(seq.Items.Count);
                for (var i = 0; i < seq.Items.Count; i++)
                {
                    list.Add(AsString(seq.Items[i], $"{PathOf(key)}[{i}]"));
                }

                return list;
            default:
                throw Error(node, PathOf(key), $"expected a list of strings, got {node.Describe()}");
        }
    }

    public T? Enum<T>(string key, IReadOnlyDictionary<string, T> values)
        where T : struct
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }

        if (values.TryGetValue(text, out var value))
        {
            return value;
        }

        throw Error(Node[key]!, PathOf(key), $"expected one of {string.Join(", ", values.Keys)}, got '{text}'");
    }

    /// <summary>Fails on the first key that was never asked for.</summary>
    public void EnsureNoUnknownKeys()
    {
        foreach (var (key, _) in Node.Entries)
        {
            if (!_known.Contains(key.Value))
            {
                var suggestion = Suggest(key.Value, _known);
                var hint = suggestion is null ? $"allowed keys: {string.Join(", ", _known)}" : $"did you mean '{suggestion}'?";
                throw new ProjectFileException(File, key.Line, key.Column, NullIfEmpty(Path), $"unknown key '{key.Value}' ({hint})");
            }
        }
    }

    public ProjectFileException Missing(string key)
    {
        // A misspelt key is the usual reason a required key is missing: point at it.
        foreach (var (present, _) in Node.Entries)
        {
            if (!_known.Contains(present.Value) && Suggest(present.Value, [key]) is not null)
            {
                return new(File, present.Line, present.Column, NullIfEmpty(Path), $"unknown key '{present.Value}' (did you mean '{key}'?)");
            }
        }

        return new(File, Node.Line, Node.Column, PathOf(key), "required key is missing");
    }

    public ProjectFileException Error(YamlNode at, string path, string message) =>
        new(File, at.Line, at.Column, NullIfEmpty(path), message);

    public string AsString(YamlNode node, string path)
    {
        if (node is YamlScalar { Kind: YamlScalarKind.String } s)
        {
            return s.Value;
        }

        throw Error(node, path, node is YamlScalar sc && sc.Kind != YamlScalarKind.Null
            ? $"expected a string, got {node.Describe()} (quote it to make it a string)"
            : $"expected a string, got {node.Describe()}");
    }

    public bool AsBool(YamlNode node, string path)
    {
        if (node is YamlScalar s && (s.Kind == YamlScalarKind.Bool || (s.FromReference && YamlScalarResolver.Resolve(s.Value) == YamlScalarKind.Bool)))
        {
            return YamlScalarResolver.ToBool(s.Value);
        }

        throw Error(node, path, $"expected true or false, got {node.Describe()}");
    }

    public int AsInt(YamlNode node, string path, int min = int.MinValue)
    {
        var value = AsLong(node, path, min);
        if (value > int.MaxValue)
        {
            throw Error(node, path, $"expected an integer up to {int.MaxValue}, got {value}");
        }

        return (int)value;
    }

    public long AsLong(YamlNode node, string path, long min = long.MinValue)
    {
        if (node is YamlScalar s && (s.Kind == YamlScalarKind.Int || s.FromReference) && YamlScalarResolver.TryParseInt(s.Value.Trim(), out var big)
            && big >= long.MinValue && big <= long.MaxValue)
        {
            var value = (long)big;
            if (value < min)
            {
                throw Error(node, path, $"must be at least {min.ToString(CultureInfo.InvariantCulture)}, got {value.ToString(CultureInfo.InvariantCulture)}");
            }

            return value;
        }

        throw Error(node, path, $"expected an integer, got {node.Describe()}");
    }

    public double AsDouble(YamlNode node, string path)
    {
        if (node is YamlScalar s)
        {
            var kind = s.FromReference ? YamlScalarResolver.Resolve(s.Value.Trim()) : s.Kind;
            if (kind is YamlScalarKind.Int or YamlScalarKind.Float)
            {
                var text = s.Value.Trim().Replace("_", "", StringComparison.Ordinal);
                return kind == YamlScalarKind.Int && YamlScalarResolver.TryParseInt(text, out var big) ? (double)big : YamlScalarResolver.ToDouble(text);
            }
        }

        throw Error(node, path, $"expected a number, got {node.Describe()}");
    }

    private static string? NullIfEmpty(string path) => path.Length == 0 ? null : path;

    private static string? Suggest(string key, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            var d = Distance(key.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance)
            {
                bestDistance = d;
                best = candidate;
            }
        }

        return bestDistance <= Math.Max(2, key.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
