using System.Buffers.Binary;

namespace Mxcp.Plugins.Python.Protocol;

/// <summary>
/// The frames of the worker protocol: a 4-byte big-endian length, then that many bytes of UTF-8 JSON. The same in
/// both directions.
/// </summary>
internal static class MessageFraming
{
    /// <summary>The largest frame accepted (a result of 256 MiB is a mistake, not a result).</summary>
    public const int MaxFrameLength = 256 * 1024 * 1024;

    /// <summary>Reads one frame; <see langword="null"/> at the end of the stream.</summary>
    public static async ValueTask<byte[]?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[4];
        if (!await ReadExactlyOrEndAsync(stream, header, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length > MaxFrameLength)
        {
            throw new InvalidDataException($"the Python worker sent a frame of {length} bytes (the limit is {MaxFrameLength})");
        }

        var body = new byte[length];
        return await ReadExactlyOrEndAsync(stream, body, cancellationToken).ConfigureAwait(false)
            ? body
            : throw new EndOfStreamException("the Python worker's output ended inside a frame");
    }

    /// <summary>The length prefix of a frame holding <paramref name="length"/> bytes.</summary>
    public static byte[] Header(int length)
    {
        if (length > MaxFrameLength)
        {
            throw new InvalidDataException($"a message of {length} bytes is larger than the protocol's limit ({MaxFrameLength})");
        }

        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)length);
        return header;
    }

    private static async ValueTask<bool> ReadExactlyOrEndAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer[read..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return read == 0 && buffer.Length > 0 ? false : throw new EndOfStreamException("the Python worker's output ended inside a frame");
            }

            read += n;
        }

        return true;
    }
}
