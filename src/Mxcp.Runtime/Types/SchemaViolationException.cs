namespace Mxcp.Runtime.Types;

/// <summary>
/// A value broke a rule somewhere inside a schema. Thrown only on failure; each enclosing array or object level
/// prepends its position while the exception travels up, so the success path never builds a path.
/// </summary>
internal sealed class SchemaViolationException : Exception
{
    private List<PathSegment>? _reversedPath;

    public SchemaViolationException(ValidationRule rule, string detail)
        : base(detail)
    {
        Rule = rule;
    }

    /// <summary>The rule that failed.</summary>
    public ValidationRule Rule { get; }

    /// <summary>Whether the failure is nested inside an array item or an object property.</summary>
    public bool IsNested => _reversedPath is { Count: > 0 };

    /// <summary>Records that the failing value is item <paramref name="index"/> of the enclosing array.</summary>
    public void PrependIndex(int index) => (_reversedPath ??= []).Add(new PathSegment(index, null));

    /// <summary>Records that the failing value is property <paramref name="name"/> of the enclosing object.</summary>
    public void PrependProperty(string name) => (_reversedPath ??= []).Add(new PathSegment(-1, name));

    /// <summary>The path in JavaScript notation below <paramref name="root"/>: <c>items[2].price</c>, <c>o["a b"]</c>.</summary>
    public string FormatPath(string root)
    {
        if (_reversedPath is null)
        {
            return root;
        }

        var builder = new System.Text.StringBuilder(root);
        for (var i = _reversedPath.Count - 1; i >= 0; i--)
        {
            var segment = _reversedPath[i];
            if (segment.Property is null)
            {
                builder.Append('[').Append(segment.Index).Append(']');
            }
            else if (IsIdentifier(segment.Property))
            {
                builder.Append('.').Append(segment.Property);
            }
            else
            {
                builder.Append("[\"").Append(SchemaText.EscapeJson(segment.Property)).Append("\"]");
            }
        }

        return builder.ToString();
    }

    /// <summary>The path in the reference's output-validation words: <c>Array item 3: Property 'price': </c>.</summary>
    public string FormatOutputPrefix()
    {
        if (_reversedPath is null)
        {
            return "";
        }

        var builder = new System.Text.StringBuilder();
        for (var i = _reversedPath.Count - 1; i >= 0; i--)
        {
            var segment = _reversedPath[i];
            if (segment.Property is null)
            {
                builder.Append("Array item ").Append(segment.Index).Append(": ");
            }
            else
            {
                builder.Append("Property '").Append(segment.Property).Append("': ");
            }
        }

        return builder.ToString();
    }

    private static bool IsIdentifier(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }

    private readonly record struct PathSegment(int Index, string? Property);
}
