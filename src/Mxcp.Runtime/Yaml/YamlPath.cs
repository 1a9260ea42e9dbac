namespace Mxcp.Runtime.Yaml;

/// <summary>Finds the node a key path (<c>a.b[0].c</c>) names, for placing a problem a plugin reported by path.</summary>
internal static class YamlPath
{
    /// <summary>The node at <paramref name="path"/> below <paramref name="root"/>, or the deepest node on the way to it.</summary>
    public static YamlNode Find(YamlNode root, string path)
    {
        var node = root;
        var rest = path;
        while (rest.Length > 0)
        {
            if (rest[0] == '.')
            {
                rest = rest[1..];
                continue;
            }

            if (rest[0] == '[' && node is YamlSequence sequence)
            {
                var close = rest.IndexOf(']', StringComparison.Ordinal);
                if (close < 0 || !int.TryParse(rest.AsSpan(1, close - 1), out var index) || index < 0 || index >= sequence.Items.Count)
                {
                    return node;
                }

                node = sequence.Items[index];
                rest = rest[(close + 1)..];
                continue;
            }

            if (node is not YamlMapping mapping)
            {
                return node;
            }

            // Keys may hold dots: the longest key that the path continues from wins.
            KeyValuePair<YamlScalar, YamlNode>? match = null;
            foreach (var entry in mapping.Entries)
            {
                var key = entry.Key.Value;
                if (rest.StartsWith(key, StringComparison.Ordinal) && (rest.Length == key.Length || rest[key.Length] is '.' or '[')
                    && (match is null || key.Length > match.Value.Key.Value.Length))
                {
                    match = entry;
                }
            }

            if (match is not { } found)
            {
                return node;
            }

            rest = rest[found.Key.Value.Length..];
            node = rest.Length == 0 && found.Value is YamlScalar { IsNull: true } ? found.Key : found.Value;
        }

        return node;
    }
}
