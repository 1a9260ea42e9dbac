using System.Security.Cryptography;
using System.Text;

namespace Mxcp.Authentication.Storage;

/// <summary>
/// What the store keeps of a bearer credential (access and refresh tokens, codes, states, client secrets): its
/// SHA-256, in lowercase hex. The credentials themselves are random (128 to 256 bits) and never stored.
/// </summary>
internal static class TokenHash
{
    public static string Of(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Compares a presented secret with a stored hash in constant time.</summary>
    public static bool Matches(string presented, string storedHash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Of(presented)), Encoding.ASCII.GetBytes(storedHash));

    /// <summary><paramref name="bytes"/> random bytes in lowercase hex.</summary>
    public static string RandomHex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    /// <summary><paramref name="bytes"/> random bytes in base64url without padding.</summary>
    public static string RandomUrlSafe(int bytes) => Base64Url(RandomNumberGenerator.GetBytes(bytes));

    public static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
