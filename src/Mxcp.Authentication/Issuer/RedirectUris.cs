namespace Mxcp.Authentication.Issuer;

/// <summary>
/// Which redirect URIs a client may register: absolute, without a fragment, and not a scheme that runs code in the
/// browser (<c>javascript:</c>, <c>data:</c>, <c>vbscript:</c>, <c>file:</c>). Custom schemes of native clients are
/// accepted. At <c>/authorize</c> a redirect URI must equal a registered one exactly.
/// </summary>
internal static class RedirectUris
{
    public const int MaxLength = 2048;

    private static readonly string[] Refused = ["javascript", "data", "vbscript", "file", "blob"];

    public static bool IsAcceptable(string uri) => Problem(uri) is null;

    /// <summary>What is wrong with <paramref name="uri"/>, or <see langword="null"/>.</summary>
    public static string? Problem(string uri)
    {
        if (uri.Length is 0 or > MaxLength)
        {
            return uri.Length == 0 ? "Input should be a valid URL, input is empty" : $"URL should have at most {MaxLength} characters";
        }

        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme.Length == 0)
        {
            return "Input should be a valid URL, relative URL without a base";
        }

        if (Refused.Contains(parsed.Scheme, StringComparer.OrdinalIgnoreCase))
        {
            return $"URL scheme '{parsed.Scheme}' is not allowed";
        }

        if (uri.Contains('#', StringComparison.Ordinal))
        {
            return "URL must not contain a fragment";
        }

        if (parsed.Scheme is "http" or "https" && parsed.Host.Length == 0)
        {
            return "Input should be a valid URL, empty host";
        }

        return null;
    }
}
