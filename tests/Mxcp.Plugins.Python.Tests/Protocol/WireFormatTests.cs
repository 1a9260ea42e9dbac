using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Plugins.Python.Protocol;

namespace Mxcp.Plugins.Python.Tests.Protocol;

public sealed class WireFormatTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadAsync_FramesSplitAcrossReads_AreReassembled()
    {
        var first = Encoding.UTF8.GetBytes("""{"a":"é"}""");
        var second = Encoding.UTF8.GetBytes("[]");
        var bytes = MessageFraming.Header(first.Length).Concat(first).Concat(MessageFraming.Header(second.Length)).Concat(second).ToArray();
        using var stream = new TrickleStream(bytes);

        Assert.Equal(first, await MessageFraming.ReadAsync(stream, Ct));
        Assert.Equal(second, await MessageFraming.ReadAsync(stream, Ct));
        Assert.Null(await MessageFraming.ReadAsync(stream, Ct));
    }

    [Fact]
    public async Task ReadAsync_StreamEndingInsideAFrame_IsAnError()
    {
        using var stream = new MemoryStream([0, 0, 0, 10, (byte)'{']);

        await Assert.ThrowsAsync<EndOfStreamException>(() => MessageFraming.ReadAsync(stream, Ct).AsTask());
    }

    [Fact]
    public async Task ReadAsync_OversizedFrame_IsRefused()
    {
        using var stream = new MemoryStream([0x7f, 0xff, 0xff, 0xff]);

        await Assert.ThrowsAsync<InvalidDataException>(() => MessageFraming.ReadAsync(stream, Ct).AsTask());
    }

    [Fact]
    public void Write_ArgumentValues_AreTaggedWhereJsonHasNoType()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WireValues.Write(writer, new Dictionary<string, object?>
            {
                ["date"] = new DateOnly(2024, 5, 6),
                ["time"] = new TimeOnly(1, 2, 3, 500),
                ["at"] = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.Zero),
                ["money"] = 12.50m,
                ["blob"] = new byte[] { 1, 2 },
                ["nan"] = double.NaN,
                ["list"] = new List<object?> { 1L, null },
                ["tricky"] = new Dictionary<string, object?> { ["$mxcp"] = "date" },
            });
        }

        Assert.Equal(
            """{"date":{"$mxcp":"date","v":"2024-05-06"},"time":{"$mxcp":"time","v":"01:02:03.500000"},"at":{"$mxcp":"datetime","v":"2024-05-06T07:08:09.000000\u002B00:00"},"money":{"$mxcp":"decimal","v":"12.50"},"blob":{"$mxcp":"bytes","v":"AQI="},"nan":null,"list":[1,null],"tricky":{"$mxcp":"dict","v":{"$mxcp":"date"}}}""",
            Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void ReadParameters_TaggedValues_BecomeClrValues()
    {
        var node = JsonNode.Parse("""
            {"d":{"$mxcp":"date","v":"2024-05-06"},"naive":{"$mxcp":"datetime","v":"2024-05-06T07:08:09"},
             "aware":{"$mxcp":"datetime","v":"2024-05-06T07:08:09-05:00"},"m":{"$mxcp":"decimal","v":"1E+2"},
             "t":{"$mxcp":"time","v":"10:11:12.5"},"n":3,"x":2.5,"s":"s","l":[1,"a"],"o":{"$mxcp":"dict","v":{"$mxcp":1}}}
            """);

        var values = WireValues.ReadParameters(node);

        Assert.Equal(new DateOnly(2024, 5, 6), values["d"]);
        Assert.Equal(new DateTime(2024, 5, 6, 7, 8, 9), Assert.IsType<DateTime>(values["naive"]));
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(-5)), Assert.IsType<DateTimeOffset>(values["aware"]));
        Assert.Equal(100m, values["m"]);
        Assert.Equal(new TimeOnly(10, 11, 12, 500), values["t"]);
        Assert.Equal(3L, values["n"]);
        Assert.Equal(2.5, values["x"]);
        Assert.Equal("s", values["s"]);
        Assert.Equal(new List<object?> { 1L, "a" }, values["l"]);
        Assert.Equal(1L, Assert.IsType<Dictionary<string, object?>>(values["o"])["$mxcp"]);
    }

    /// <summary>Returns at most 3 bytes per read, as a pipe may.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(3, buffer.Length)], cancellationToken);
    }
}
