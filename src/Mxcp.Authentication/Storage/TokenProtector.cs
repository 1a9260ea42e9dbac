using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace Mxcp.Authentication.Storage;

/// <summary>
/// Encrypts what the token store must be able to read back (upstream tokens, the user's profile, a login's PKCE
/// verifier). Each value is bound to its purpose (column and row), so a value copied into another row does not decrypt.
/// </summary>
internal abstract class TokenProtector
{
    public abstract string Protect(string plaintext, string purpose);

    /// <summary>The plaintext, or <see langword="null"/> when the value was written with another key or for another purpose.</summary>
    public abstract string? Unprotect(string protectedValue, string purpose);
}

/// <summary>AES-256-GCM with the key of <c>auth.persistence.auth_encryption_key</c>: every replica with the key reads the store.</summary>
internal sealed class AesGcmTokenProtector(byte[] key) : TokenProtector
{
    private const string Prefix = "a1.";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public override string Protect(string plaintext, string purpose)
    {
        var data = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + data.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, data, output.AsSpan(NonceSize, data.Length), output.AsSpan(NonceSize + data.Length), Encoding.UTF8.GetBytes(purpose));
        return Prefix + Convert.ToBase64String(output);
    }

    public override string? Unprotect(string protectedValue, string purpose)
    {
        if (!protectedValue.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var input = Convert.FromBase64String(protectedValue[Prefix.Length..]);
            if (input.Length < NonceSize + TagSize)
            {
                return null;
            }

            var length = input.Length - NonceSize - TagSize;
            var plain = new byte[length];
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(input.AsSpan(0, NonceSize), input.AsSpan(NonceSize, length), input.AsSpan(NonceSize + length), plain, Encoding.UTF8.GetBytes(purpose));
            return Encoding.UTF8.GetString(plain);
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            return null;
        }
    }
}

/// <summary>ASP.NET Core Data Protection (the host's key ring) when no <c>auth_encryption_key</c> is configured.</summary>
internal sealed class DataProtectionTokenProtector(IDataProtectionProvider provider) : TokenProtector
{
    private const string Prefix = "dp.";
    private readonly IDataProtector _protector = provider.CreateProtector("Mxcp.Authentication.TokenStore.v1");

    public override string Protect(string plaintext, string purpose) => Prefix + _protector.Protect(purpose + "\n" + plaintext);

    public override string? Unprotect(string protectedValue, string purpose)
    {
        if (!protectedValue.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            var text = _protector.Unprotect(protectedValue[Prefix.Length..]);
            return text.StartsWith(purpose + "\n", StringComparison.Ordinal) ? text[(purpose.Length + 1)..] : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
