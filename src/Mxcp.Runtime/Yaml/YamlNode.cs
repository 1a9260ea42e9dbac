namespace Mxcp.Runtime.Yaml;

/// <summary>A YAML node with the position it was read from (1-based line and column).</summary>
internal abstract class YamlNode(int line, int column)
{
    public int Line { get; } = line;

    public int Column { get; } = column;

    /// <summary>A short description for error messages: "a mapping", "a list", "the string 'x'".</summary>
    public abstract string Describe();
}

internal sealed class YamlScalar(string value, bool isPlain, int line, int column, bool fromReference = false) : YamlNode(line, column)
{
    public string Value { get; } = value;

    /// <summary>The value came from resolving a reference (<c>${VAR}</c>, <c>file://</c>, ...): a string that typed readers may parse.</summary>
    public bool FromReference { get; } = fromReference;

    /// <summary>Unquoted: YAML type resolution applies (null, booleans, numbers). Quoted scalars are always strings.</summary>
    public bool IsPlain { get; } = isPlain;

    public YamlScalarKind Kind => IsPlain ? YamlScalarResolver.Resolve(Value) : YamlScalarKind.String;

    public bool IsNull => Kind == YamlScalarKind.Null;

    public override string Describe() => Kind switch
    {
        YamlScalarKind.Null => "null",
        YamlScalarKind.Bool => $"the boolean {Value}",
        YamlScalarKind.Int => $"the integer {Value}",
        YamlScalarKind.Float => $"the number {Value}",
        _ when FromReference => "a resolved reference",
        _ => $"the string '{Truncate(Value)}'",
    };

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..37] + "...";
}

internal sealed class YamlSequence(IReadOnlyList<YamlNode> items, int line, int column) : YamlNode(line, column)
{
    public IReadOnlyList<YamlNode> Items { get; } = items;

    public override string Describe() => "a list";
}

internal sealed class YamlMapping(IReadOnlyList<KeyValuePair<YamlScalar, YamlNode>> entries, int line, int column) : YamlNode(line, column)
{
    public IReadOnlyList<KeyValuePair<YamlScalar, YamlNode>> Entries { get; } = entries;

    public YamlNode? this[string key]
    {
        get
        {
            foreach (var (k, v) in Entries)
            {
                if (k.Value == key)
                {
                    return v;
                }
            }

            return null;
        }
    }

    public bool ContainsKey(string key) => this[key] is not null;

    public override string Describe() => "a mapping";
}

internal enum YamlScalarKind
{
    Null,
    Bool,
    Int,
    Float,
    String,
}
