using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Mxcp.Admin.Console;

/// <summary>
/// The console's sign-in on mounts with an admin token: a browser cannot send <c>Authorization</c> headers while it
/// navigates, so the login form exchanges the token for a cookie (HttpOnly, SameSite=Strict, limited to the console's
/// path) holding an expiry and an HMAC of it keyed by the token. The token itself never goes into the cookie; changing
/// the token ends every console sign-in.
/// </summary>
internal static class ConsoleAuth
{
    public const string CookieName = "mxcp_console";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    public static bool TokenMatches(string presented, string token) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(token));

    public static void SignIn(HttpContext context, string token, string cookiePath)
    {
        var expires = DateTimeOffset.UtcNow + Lifetime;
        var value = Sign(expires.ToUnixTimeSeconds(), token);
        context.Response.Cookies.Append(CookieName, value, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = cookiePath,
            Expires = expires,
            IsEssential = true,
        });
    }

    public static void SignOut(HttpContext context, string cookiePath) =>
        context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = cookiePath, HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps });

    public static bool IsSignedIn(HttpContext context, string token)
    {
        if (context.Request.Cookies[CookieName] is not { Length: > 0 } value)
        {
            return false;
        }

        var dot = value.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !long.TryParse(value.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            || DateTimeOffset.FromUnixTimeSeconds(expires) < DateTimeOffset.UtcNow)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(expires, token)), Encoding.ASCII.GetBytes(value));
    }

    private static string Sign(long expires, string token)
    {
        var text = expires.ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes("mxcp-console:" + text));
        return text + "." + Convert.ToHexStringLower(mac);
    }
}
