using System.Buffers;
using System.Text;
using System.Text.Json;
using Mxcp.Runtime.Mcp;

namespace Mxcp.Runtime.Tests.Mcp;

public sealed class Utf8StringEscaperTests
{
    private const string Text = "a\"b\\c\nd é ü 日本 😀😀 end";

    [Fact]
    public void Write_PiecesSplitAnywhere_SameAsTheWholeString()
    {
        var bytes = Encoding.UTF8.GetBytes(Text);
        var expected = Whole(bytes);
        for (var first = 0; first <= bytes.Length; first++)
        {
            for (var second = first; second <= bytes.Length; second++)
            {
                var actual = Pieces(bytes[..first], bytes[first..second], bytes[second..]);
                Assert.True(expected == actual, $"split at {first} and {second}: {actual}");
            }
        }
    }

    [Fact]
    public void Write_LongTextInOnePiece_SameAsTheWholeString()
    {
        var bytes = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(Text, 2_000)));
        Assert.Equal(Whole(bytes), Pieces(bytes));
        Assert.Equal(Whole(bytes), Pieces(bytes[..4097], bytes[4097..10_001], bytes[10_001..]));
    }

    [Fact]
    public void Write_Nothing_IsTheEmptyString() => Assert.Equal("\"\"", Pieces());

    private static string Whole(byte[] bytes)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStringValue(bytes);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Pieces(params byte[][] pieces)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            var escaper = new Utf8StringEscaper(writer);
            foreach (var piece in pieces)
            {
                escaper.Write(piece);
            }

            escaper.End();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
