using System.Text;
using System.Text.RegularExpressions;

namespace Mxcp.Runtime.Endpoints;

/// <summary>
/// Matches concrete URIs against a resource URI template with <c>{var}</c> segments (one path segment each). Values are
/// URL-unescaped; a value that unescapes to a <c>/</c> or a NUL (<c>%2F</c>, <c>%2e%2e%2f</c>, <c>%00</c>) is refused,
/// because it would reach the endpoint as more than the one segment the template promises (a path traversal when
/// the endpoint builds a file path from it).
/// </summary>
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
    /// <param name="uri">The concrete URI.</param>
    /// <param name="error">
    /// Why a URI of the template's shape is refused (a value unescapes to more than one path segment); then the result
    /// is <see langword="null"/>.
    /// </param>
    public IReadOnlyDictionary<string, string>? Match(string uri, out string? error)
    {
        error = null;
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
            var value = Uri.UnescapeDataString(m.Groups["v" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)].Value);
            var bad = value.AsSpan().IndexOfAny('/', '\0');
            if (bad >= 0)
            {
                var what = value[bad] == '/' ? "a '/'" : "a NUL character";
                error = $"Invalid resource URI '{uri}': {{{Variables[i]}}} is one path segment of {Template}, but its value contains {what} once decoded";
                return null;
            }

            values[Variables[i]] = value;
        }

        return values;
    }
}
