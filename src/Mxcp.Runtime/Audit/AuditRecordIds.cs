using System.Security.Cryptography;

namespace Mxcp.Runtime.Audit;

/// <summary>
/// Random (version 4) UUIDs for <c>record_id</c>, carved from a per-thread buffer of cryptographically random bytes:
/// one read of the kernel's random source per 64 ids. <see cref="Guid.NewGuid"/> reads it for every id, a system call
/// that costs more than the rest of building a small record.
/// </summary>
internal static class AuditRecordIds
{
    private const int IdsPerFill = 64;

    [ThreadStatic]
    private static byte[]? t_random;

    [ThreadStatic]
    private static int t_next;

    /// <summary>A new id in the 8-4-4-4-12 hexadecimal form.</summary>
    public static string Next()
    {
        var random = t_random;
        if (random is null || t_next == random.Length)
        {
            random = t_random ??= new byte[IdsPerFill * 16];
            RandomNumberGenerator.Fill(random);
            t_next = 0;
        }

        Span<byte> bytes = stackalloc byte[16];
        random.AsSpan(t_next, 16).CopyTo(bytes);
        t_next += 16;
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40); // version 4
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(bytes, bigEndian: true).ToString();
    }
}
