using System.Buffers;
using System.Text.Json;
using Mxcp.Runtime.Mcp;
using Mxcp.Shared;

namespace Mxcp.Runtime.Tests.Mcp;

public sealed class ChunkedBufferWriterTests
{
    [Fact]
    public void ToSequence_WritesAcrossChunks_ReadBackInOrder()
    {
        var writer = new ChunkedBufferWriter();
        var expected = new byte[200_000];
        new Random(7).NextBytes(expected);

        writer.Write(expected.AsSpan(0, 100));
        writer.Write(expected.AsSpan(100, 150_000));
        var span = writer.GetSpan(100_000);
        Assert.True(span.Length >= 100_000);
        expected.AsSpan(150_100).CopyTo(span);
        writer.Advance(expected.Length - 150_100);

        var sequence = writer.ToSequence();
        Assert.False(sequence.IsSingleSegment);
        Assert.Equal(expected, sequence.ToArray());
    }

    [Fact]
    public void ToSequence_NothingWritten_IsEmpty() => Assert.True(new ChunkedBufferWriter().ToSequence().IsEmpty);

    [Fact]
    public void Advance_PastTheSpan_Throws()
    {
        var writer = new ChunkedBufferWriter();
        var length = writer.GetSpan(10).Length;
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(length + 1));
    }

    [Fact]
    public void Utf8JsonWriter_OverChunks_WritesValidJson()
    {
        var output = new ChunkedBufferWriter();
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartArray();
            for (var i = 0; i < 20_000; i++)
            {
                json.WriteStringValue($"row {i} é 😀");
            }

            json.WriteEndArray();
        }

        using var document = JsonDocument.Parse(output.ToSequence());
        Assert.Equal(20_000, document.RootElement.GetArrayLength());
        Assert.Equal("row 19999 é 😀", document.RootElement[19_999].GetString());
    }
}
