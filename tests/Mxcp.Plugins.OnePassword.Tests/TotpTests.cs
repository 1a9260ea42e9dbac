namespace Mxcp.Plugins.OnePassword.Tests;

/// <summary>RFC 6238 test vectors (appendix B) and the forms 1Password stores a one-time password secret in.</summary>
public sealed class TotpTests
{
    // The RFC's seeds: ASCII "1234567890" repeated to 20, 32 and 64 bytes, here in base32.
    private const string Sha1Seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    private const string Sha256Seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA";
    private const string Sha512Seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA";

    [Theory]
    [InlineData(Sha1Seed, "SHA1", 59, "94287082")]
    [InlineData(Sha256Seed, "SHA256", 59, "46119246")]
    [InlineData(Sha512Seed, "SHA512", 59, "90693936")]
    [InlineData(Sha1Seed, "SHA1", 1111111109, "07081804")]
    [InlineData(Sha256Seed, "SHA256", 1111111111, "67062674")]
    [InlineData(Sha512Seed, "SHA512", 1234567890, "93441116")]
    [InlineData(Sha1Seed, "SHA1", 20000000000, "65353130")]
    public void CodeAt_Rfc6238Vectors_Match(string seed, string algorithm, long unixSeconds, string expected)
    {
        var totp = Totp.TryParse($"otpauth://totp/Example:alice?secret={seed}&algorithm={algorithm}&digits=8&period=30&issuer=Example")!;

        Assert.Equal(expected, totp.CodeAt(DateTimeOffset.FromUnixTimeSeconds(unixSeconds)));
    }

    [Fact]
    public void TryParse_BareSecretWithSpacesAndLowerCase_UsesTheDefaults()
    {
        var totp = Totp.TryParse("gezd gnbv gy3t qojq gezd gnbv gy3t qojq")!;

        Assert.Equal(6, totp.Digits);
        Assert.Equal(30, totp.PeriodSeconds);
        Assert.Equal("287082", totp.CodeAt(DateTimeOffset.FromUnixTimeSeconds(59)));
    }

    [Theory]
    [InlineData("not base32 !")]
    [InlineData("otpauth://hotp/x?secret=GEZDGNBV")]
    [InlineData("otpauth://totp/x?issuer=nosecret")]
    [InlineData("otpauth://totp/x?secret=GEZDGNBV&algorithm=MD5")]
    [InlineData("otpauth://totp/x?secret=GEZDGNBV&digits=4")]
    [InlineData("otpauth://totp/x?secret=GEZDGNBV&period=0")]
    public void TryParse_NotAUsableTotp_ReturnsNull(string value)
    {
        Assert.Null(Totp.TryParse(value));
    }

    [Fact]
    public void ToString_NeverShowsTheSecret()
    {
        var totp = Totp.TryParse(Sha1Seed)!;

        Assert.Equal("TOTP (SHA1, 6 digits, 30 s)", totp.ToString());
    }
}
