using System.Globalization;
using System.Security.Cryptography;

namespace Mxcp.Plugins.OnePassword;

/// <summary>
/// Time-based one-time passwords (RFC 6238 over the HOTP truncation of RFC 4226) from what 1Password stores in a
/// one-time-password field: an <c>otpauth://totp/...?secret=...</c> URI or a bare base32 secret.
/// </summary>
internal sealed record Totp(byte[] Secret, HashAlgorithmName Algorithm, int Digits, int PeriodSeconds)
{
    /// <summary>Reads a stored one-time-password value; <see langword="null"/> when it is not one.</summary>
    public static Totp? TryParse(string value)
    {
        var text = value.Trim();
        if (!text.StartsWith("otpauth://", StringComparison.OrdinalIgnoreCase))
        {
            return Base32.TryDecode(text) is { Length: > 0 } bare ? new Totp(bare, HashAlgorithmName.SHA1, 6, 30) : null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || !string.Equals(uri.Host, "totp", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var query = Query(uri.Query);
        if (!query.TryGetValue("secret", out var secretText) || Base32.TryDecode(secretText) is not { Length: > 0 } secret)
        {
            return null;
        }

        var algorithm = (query.GetValueOrDefault("algorithm") ?? "SHA1").ToUpperInvariant() switch
        {
            "SHA1" => HashAlgorithmName.SHA1,
            "SHA256" => HashAlgorithmName.SHA256,
            "SHA512" => HashAlgorithmName.SHA512,
            _ => (HashAlgorithmName?)null,
        };
        var digits = Number(query.GetValueOrDefault("digits"), 6);
        var period = Number(query.GetValueOrDefault("period"), 30);
        return algorithm is null || digits is < 6 or > 10 || period is < 1 or > 3600
            ? null
            : new Totp(secret, algorithm.Value, digits!.Value, period!.Value);
    }

    /// <summary>The code for the time step that holds <paramref name="now"/>.</summary>
    public string CodeAt(DateTimeOffset now)
    {
        var counter = now.ToUnixTimeSeconds() / PeriodSeconds;
        Span<byte> message = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(message, counter);
        var hash = Algorithm == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(Secret, message)
            : Algorithm == HashAlgorithmName.SHA512 ? HMACSHA512.HashData(Secret, message)
            : HMACSHA1.HashData(Secret, message);
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        var code = binary % (long)Math.Pow(10, Digits);
        return code.ToString(CultureInfo.InvariantCulture).PadLeft(Digits, '0');
    }

    /// <inheritdoc />
    public override string ToString() => $"TOTP ({Algorithm.Name}, {Digits} digits, {PeriodSeconds} s)";

    private static int? Number(string? text, int fallback) =>
        text is null ? fallback : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static Dictionary<string, string> Query(string query)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            result.TryAdd(name, eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' ')));
        }

        return result;
    }

    /// <summary>RFC 4648 base32, case-insensitive, spaces, hyphens and padding ignored (as authenticator apps accept it).</summary>
    internal static class Base32
    {
        private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

        public static byte[]? TryDecode(string text)
        {
            var bytes = new List<byte>(text.Length * 5 / 8);
            int buffer = 0, bits = 0;
            foreach (var raw in text)
            {
                if (raw is ' ' or '-' or '=')
                {
                    continue;
                }

                var index = Alphabet.IndexOf(char.ToUpperInvariant(raw), StringComparison.Ordinal);
                if (index < 0)
                {
                    return null;
                }

                buffer = (buffer << 5) | index;
                bits += 5;
                if (bits >= 8)
                {
                    bits -= 8;
                    bytes.Add((byte)(buffer >> bits));
                    buffer &= (1 << bits) - 1;
                }
            }

            return bytes.ToArray();
        }
    }
}
