using System.Text;
using System.Text.RegularExpressions;

namespace Mxcp.Runtime.Endpoints;

/// <summary>Matches concrete URIs against a resource URI template with <c>{var}</c> segments (one path segment each).</summary>
internal sealed class UriTemplateMatcher
{
    private readonly Regex _regex;

    public UriTemplateMatcher(string template)
    {
        Template = template;
        Variables = EndpointFileReader.UriVariables(template);
        var pattern = new StringBuilder("^");
        var last = 0;
        var index = 0;
        foreach (Match m in Regex.Matches(template, @"\{([^{}]+)\}"))
        {
            pattern.Append(Regex.Escape(template[last..m.Index]));
            pattern.Append("(?<v").Append(index++).Append(">[^/?#]+)");
            last = m.Index + m.Length;
        }

        pattern.Append(Regex.Escape(template[last..])).Append('$');
        _regex = new Regex(pattern.ToString(), RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, TimeSpan.FromSeconds(1));
    }

    public string Template { get; }

    public IReadOnlyList<string> Variables { get; }

    public bool IsTemplated => Variables.Count > 0;

    /// <summary>The variable values of <paramref name="uri"/> (URL-unescaped), or <see langword="null"/> when it does not match.</summary>
    public IReadOnlyDictionary<string, string>? Match(string uri)
    {
        if (!IsTemplated)
        {
            return string.Equals(uri, Template, StringComparison.Ordinal) ? new Dictionary<string, string>() : null;
        }

        var m = _regex.Match(uri);
        if (!m.Success)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < Variables.Count; i++)
        {
            values[Variables[i]] = Uri.UnescapeDataString(m.Groups["v" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)].Value);
        }

        return values;
    }
}
