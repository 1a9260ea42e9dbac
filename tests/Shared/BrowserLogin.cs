using System.Net;
using System.Text.RegularExpressions;

namespace Mxcp.Tests.Shared;

/// <summary>
/// What a user's browser does in an OAuth login, by plain HTTP: follows redirects (keeping cookies), fills in
/// oidc-provider's login form with a login name and password and confirms its consent form, until a redirect leaves
/// for <c>stopAt</c> (the client's redirect URI), whose URL it returns.
/// </summary>
public static partial class BrowserLogin
{
    public static async Task<Uri> FollowAsync(Uri start, string login, string stopAt, CookieContainer? cookies = null, CancellationToken cancellationToken = default)
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies ?? new CookieContainer(), UseCookies = true };
        using var http = new HttpClient(handler);
        var url = start;
        for (var step = 0; step < 20; step++)
        {
            using var response = await http.GetAsync(url, cancellationToken);
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                var next = location.IsAbsoluteUri ? location : new Uri(url, location);
                if (next.ToString().StartsWith(stopAt, StringComparison.Ordinal))
                {
                    return next;
                }

                url = next;
                continue;
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK || FormAction().Match(body) is not { Success: true } action || Prompt().Match(body) is not { Success: true } prompt)
            {
                throw new InvalidOperationException($"The login stopped at {url}: HTTP {(int)response.StatusCode} {body[..Math.Min(body.Length, 500)]}");
            }

            var fields = new Dictionary<string, string> { ["prompt"] = prompt.Groups[1].Value };
            if (prompt.Groups[1].Value == "login")
            {
                fields["login"] = login;
                fields["password"] = "any-password";
            }

            using var submitted = await http.PostAsync(new Uri(url, WebUtility.HtmlDecode(action.Groups[1].Value)), new FormUrlEncodedContent(fields), cancellationToken);
            if (submitted.Headers.Location is not { } after)
            {
                throw new InvalidOperationException($"The {prompt.Groups[1].Value} form was not accepted: HTTP {(int)submitted.StatusCode}");
            }

            url = after.IsAbsoluteUri ? after : new Uri(url, after);
            if (url.ToString().StartsWith(stopAt, StringComparison.Ordinal))
            {
                return url;
            }
        }

        throw new InvalidOperationException("The login did not finish within 20 steps");
    }

    /// <summary>The value of a query parameter of <paramref name="uri"/>.</summary>
    public static string? Query(Uri uri, string name) =>
        uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => Uri.UnescapeDataString(p[0]) == name)
            .Select(p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : "")
            .FirstOrDefault();

    [GeneratedRegex("<form[^>]*action=\"([^\"]+)\"")]
    private static partial Regex FormAction();

    [GeneratedRegex("name=\"prompt\" value=\"([^\"]+)\"")]
    private static partial Regex Prompt();
}
