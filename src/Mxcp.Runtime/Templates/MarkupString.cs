namespace Mxcp.Runtime.Templates;

/// <summary>
/// A string marked safe (markupsafe's <c>Markup</c>), produced by the <c>escape</c>, <c>safe</c> and <c>tojson</c>
/// filters. With autoescaping off it behaves as a plain string except that <c>escape</c> leaves it unchanged.
/// </summary>
internal sealed class MarkupString
{
    public MarkupString(string value)
    {
        Value = value;
    }

    public string Value { get; }

    public override string ToString() => Value;
}
