namespace Mxcp.Runtime.Templates;

/// <summary>
/// Jinja2's <c>make_attrgetter</c>: the <c>attribute</c> argument of <c>map</c>, <c>sort</c>, <c>join</c> and
/// friends. Dots separate parts and all-digit parts are integer indexes, so <c>"address.lines.0"</c> works.
/// </summary>
internal sealed class AttributePath
{
    private readonly object[] _parts;

    private AttributePath(object[] parts)
    {
        _parts = parts;
    }

    public static readonly AttributePath Identity = new([]);

    public static AttributePath Parse(object? attribute)
    {
        if (attribute is null)
        {
            return Identity;
        }

        if (PythonOps.IsInteger(attribute, out var index))
        {
            return new AttributePath([PythonOps.Box(index)]);
        }

        if (!PythonOps.IsString(attribute, out var text))
        {
            throw new TemplateEvaluationException($"attribute must be a string or an integer, not {PythonOps.TypeName(attribute)}");
        }

        return new AttributePath([.. text.Split('.').Select(ToPart)]);
    }

    /// <summary>A comma-separated list of paths, as the <c>sort</c> filter takes.</summary>
    public static AttributePath[] ParseMany(object? attribute) =>
        PythonOps.IsString(attribute, out var text)
            ? [.. text.Split(',').Select(part => Parse(part))]
            : [Parse(attribute)];

    private static object ToPart(string part) =>
        part.Length > 0 && part.All(char.IsDigit) && long.TryParse(part, out var index) ? PythonOps.Box(index) : part;

    /// <summary>Follows the path with <c>getitem</c>; a missing step gives an undefined value, or <paramref name="fallback"/> when given.</summary>
    public object? Get(object? item, object? fallback = null)
    {
        foreach (var part in _parts)
        {
            var next = PythonOps.GetItem(item, part, Missing);
            if (ReferenceEquals(next, Missing))
            {
                next = new UndefinedValue($"'{PythonOps.TypeName(item)} object' has no attribute '{part}'");
            }

            item = next;
            if (fallback is not null && item is UndefinedValue)
            {
                item = fallback;
            }
        }

        return item;
    }

    private static readonly UndefinedValue Missing = new("missing");
}
