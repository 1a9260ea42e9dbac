using System.Security.Cryptography;
using System.Text;
using Mxcp.Authentication.Storage;

namespace Mxcp.Authentication.Issuer;

/// <summary>PKCE S256 (RFC 7636): the challenge of a verifier is BASE64URL(SHA-256(verifier)).</summary>
internal static class Pkce
{
    public static string Challenge(string verifier) => TokenHash.Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
}
