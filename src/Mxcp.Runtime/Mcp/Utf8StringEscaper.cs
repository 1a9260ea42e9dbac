using System.Text.Json;

namespace Mxcp.Runtime.Mcp;

/// <summary>
/// Writes UTF-8 text given in pieces as one JSON string, escaped a slice at a time; a character split between two
/// pieces is held back until it is whole.
/// </summary>
internal ref struct Utf8StringEscaper(Utf8JsonWriter writer)
{
    private const int Slice = 2048;
    private Carry _carry;
    private int _carried;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (_carried > 0)
        {
            var needed = SequenceLength(_carry[0]) - _carried;
            var take = Math.Min(needed, bytes.Length);
            bytes[..take].CopyTo(((Span<byte>)_carry)[_carried..]);
            _carried += take;
            bytes = bytes[take..];
            if (take < needed)
            {
                return;
            }

            writer.WriteStringValueSegment(((ReadOnlySpan<byte>)_carry)[.._carried], isFinalSegment: false);
            _carried = 0;
        }

        var keep = IncompleteTail(bytes);
        var body = bytes[..^keep];
        while (body.Length > Slice)
        {
            var cut = Slice;
            while (cut > Slice - 4 && (body[cut] & 0xC0) == 0x80)
            {
                cut--;
            }

            writer.WriteStringValueSegment(body[..cut], isFinalSegment: false);
            body = body[cut..];
        }

        if (!body.IsEmpty)
        {
            writer.WriteStringValueSegment(body, isFinalSegment: false);
        }

        bytes[^keep..].CopyTo(_carry);
        _carried = keep;
    }

    /// <summary>How many bytes at the end start a character that is not complete there (0 to 3).</summary>
    private static int IncompleteTail(ReadOnlySpan<byte> bytes)
    {
        for (var i = 1; i <= Math.Min(3, bytes.Length); i++)
        {
            var b = bytes[^i];
            if ((b & 0xC0) == 0xC0)
            {
                return SequenceLength(b) > i ? i : 0;
            }

            if ((b & 0x80) == 0)
            {
                return 0;
            }
        }

        return 0;
    }

    /// <summary>Closes the string (a character still held back is written as it is: the writer rejects it if incomplete).</summary>
    public void End()
    {
        writer.WriteStringValueSegment(((ReadOnlySpan<byte>)_carry)[.._carried], isFinalSegment: true);
        _carried = 0;
    }

    private static int SequenceLength(byte lead) => lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;

    [System.Runtime.CompilerServices.InlineArray(4)]
    private struct Carry
    {
        private byte _element;
    }
}
