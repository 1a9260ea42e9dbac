using System.Text;
using Mxcp.Abstractions;
using Mxcp.Plugins.Upstream.Supervision;

namespace Mxcp.Plugins.Upstream.Tests;

public sealed class BoundedMessageStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Reads the whole stream in reads of <paramref name="chunk"/> bytes.</summary>
    private static async Task<string> ReadAllAsync(Stream stream, int chunk = 7)
    {
        var buffer = new byte[chunk];
        var all = new MemoryStream();
        int read;
        while ((read = await stream.ReadAsync(buffer, Ct)) > 0)
        {
            all.Write(buffer, 0, read);
        }

        return Encoding.UTF8.GetString(all.ToArray());
    }

    private static BoundedMessageStream Bounded(string text, MessageUnit unit, long max, List<UpstreamMessageTooLargeException>? heard = null, Func<CancellationToken, ValueTask<Exception?>>? atEnd = null) =>
        new(new MemoryStream(Encoding.UTF8.GetBytes(text)), unit, max, "big", heard is null ? null : heard.Add, atEnd);

    [Fact]
    public async Task ReadAsync_LinesWithinTheLimit_PassedThroughUnchanged()
    {
        const string Text = "{\"a\":1}\n0123456789\n\n9876543210\n";
        Assert.Equal(Text, await ReadAllAsync(Bounded(Text, MessageUnit.Line, 10)));
    }

    [Fact]
    public async Task ReadAsync_LineOverTheLimit_FailsNamingTheUpstreamAndTheLimitHeardOnce()
    {
        var heard = new List<UpstreamMessageTooLargeException>();
        using var stream = Bounded("short\n" + new string('x', 5000) + "\nnext\n", MessageUnit.Line, 1000, heard);

        var error = await Assert.ThrowsAsync<UpstreamMessageTooLargeException>(() => ReadAllAsync(stream));

        Assert.Equal("upstream 'big' sent a line on standard output of more than 1,000 bytes, the most one upstream message may take (twice limits.max_result_bytes plus 1 MiB); the connection is closed and the upstream restarted", error.Message);
        Assert.Equal(1000, error.MaxBytes);
        await Assert.ThrowsAsync<UpstreamMessageTooLargeException>(() => stream.ReadAsync(new byte[10], Ct).AsTask());
        Assert.Single(heard);
    }

    [Fact]
    public async Task ReadAsync_SseEvents_EachEventBoundedBlankLinesEndThem()
    {
        var line = new string('d', 40);
        var fine = $"event: message\ndata: {line}\n\r\ndata: {line}\ndata: {line}\n\n";
        Assert.Equal(fine, await ReadAllAsync(Bounded(fine, MessageUnit.Event, 100)));

        var error = await Assert.ThrowsAsync<UpstreamMessageTooLargeException>(() => ReadAllAsync(Bounded($"data: {line}\ndata: {line}\ndata: {line}\n\n", MessageUnit.Event, 100)));
        Assert.StartsWith("upstream 'big' sent an SSE event of more than 100 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_Body_TheWholeBodyBoundedNewlinesOrNot()
    {
        Assert.Equal("{\n\"a\": 1\n}", await ReadAllAsync(Bounded("{\n\"a\": 1\n}", MessageUnit.Body, 10)));
        var error = await Assert.ThrowsAsync<UpstreamMessageTooLargeException>(() => ReadAllAsync(Bounded("{\n\"a\": 12\n}", MessageUnit.Body, 10)));
        Assert.StartsWith("upstream 'big' sent a response body of more than 10 bytes", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("the answer is dropped", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_AtTheEnd_TheErrorOfTheEndIsThrown()
    {
        var exited = new IOException("the process exited unexpectedly (exit code: 3)");
        var error = await Assert.ThrowsAsync<IOException>(() => ReadAllAsync(Bounded("line\n", MessageUnit.Line, 100, atEnd: _ => ValueTask.FromResult<Exception?>(exited))));
        Assert.Same(exited, error);
        Assert.Equal("line\n", await ReadAllAsync(Bounded("line\n", MessageUnit.Line, 100, atEnd: _ => ValueTask.FromResult<Exception?>(null))));
    }

    [Theory]
    [InlineData(1_000_000, 3_048_576)]
    [InlineData(ResultLimits.DefaultMaxBytes, 68_157_440)]
    [InlineData(0, 1_073_741_824)]
    public void Limit_FromTheResultLimit_TwiceItPlusOneMiBOrOneGiBWithoutLimit(long maxResultBytes, long expected) =>
        Assert.Equal(expected, BoundedMessageStream.Limit(new ResultLimits { MaxBytes = maxResultBytes }));

    [Fact]
    public void LineSplitter_LongAndWindowsLines_CutWithAnEllipsisWithoutCarriageReturns()
    {
        var lines = new List<string>();
        var splitter = new StdioUpstreamTransport.LineSplitter(8, lines.Add);

        splitter.Feed("one\r\ntwo-is-too-"u8);
        splitter.Feed("long\nthr"u8);
        splitter.Feed("ee"u8);
        splitter.End();

        Assert.Equal(["one", "two-is-t…", "three"], lines);
    }
}
