using System.Globalization;
using System.Text;
using System.Text.Json;
using Mxcp.Runtime.Audit;

namespace Mxcp.Runtime.Tests.Audit;

/// <summary>The timestamp text of audit records: Python's <c>isoformat()</c> of a UTC time with microseconds.</summary>
public sealed class AuditRecordJsonTests
{
    private static string Expected(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("2025-01-31T12:00:00.1234567+00:00", "2025-01-31T12:00:00.123456+00:00")]
    [InlineData("2026-12-31T23:59:59.9999999+00:00", "2026-12-31T23:59:59.999999+00:00")]
    [InlineData("2026-03-01T00:00:00+00:00", "2026-03-01T00:00:00.000000+00:00")]
    [InlineData("2026-03-01T01:30:05.000007+02:00", "2026-02-28T23:30:05.000007+00:00")]
    [InlineData("0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00.000000+00:00")]
    [InlineData("9999-12-31T23:59:59.999999+00:00", "9999-12-31T23:59:59.999999+00:00")]
    public void FormatTimestamp_Instant_IsoFormatInUtcWithMicroseconds(string instant, string expected)
    {
        var value = DateTimeOffset.Parse(instant, CultureInfo.InvariantCulture);

        Assert.Equal(expected, AuditRecordJson.FormatTimestamp(value));
        Span<byte> bytes = stackalloc byte[AuditRecordJson.TimestampLength];
        AuditRecordJson.FormatTimestamp(value, bytes);
        Assert.Equal(expected, Encoding.ASCII.GetString(bytes));
    }

    [Fact]
    public void FormatTimestamp_RandomInstants_SameTextAsTheCustomFormat()
    {
        var random = new Random(20261207);
        for (var i = 0; i < 100_000; i++)
        {
            var value = new DateTimeOffset(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), TimeSpan.Zero);
            Assert.Equal(Expected(value), AuditRecordJson.FormatTimestamp(value));
        }
    }

    [Fact]
    public void WriteLine_Record_TimestampFieldIsTheFormattedText()
    {
        var timestamp = new DateTimeOffset(2026, 12, 7, 14, 5, 9, TimeSpan.Zero).AddTicks(4_206_420);
        var record = new Mxcp.Abstractions.AuditRecord
        {
            RecordId = "r-1",
            Timestamp = timestamp,
            OperationType = "tool",
            OperationName = "select_one",
            OperationStatus = "success",
            CallerType = "http",
        };
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(buffer, AuditRecordJson.WriterOptions);

        AuditRecordJson.WriteLine(buffer, record, writer);

        using var line = JsonDocument.Parse(buffer.WrittenMemory);
        Assert.Equal("2026-12-07T14:05:09.420642+00:00", line.RootElement.GetProperty("timestamp").GetString());
        Assert.Equal((byte)'\n', buffer.WrittenSpan[^1]);
    }
}
