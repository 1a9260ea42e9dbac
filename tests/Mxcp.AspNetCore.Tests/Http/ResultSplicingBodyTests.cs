using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Mxcp.AspNetCore.Http;

namespace Mxcp.AspNetCore.Tests.Http;

/// <summary>
/// The POST body that writes large results in place of their stand-ins: what reaches the real body must be exactly the
/// bytes written with each stand-in replaced, however the writes cut them.
/// </summary>
public sealed class ResultSplicingBodyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WriteAsync_NothingAdded_PassesBytesThrough()
    {
        var (context, inner, body) = Start();

        await body.WriteAsync("event: message\ndata: {\"a\":1}\n\n"u8.ToArray(), Ct);
        var lost = await body.EndAsync(context);

        Assert.Equal("event: message\ndata: {\"a\":1}\n\n", Text(inner));
        Assert.Equal(0, lost);
        Assert.Same(inner, context.Response.Body);
        Assert.Null(context.Features.Get<ResultSplicingBody>());
    }

    [Fact]
    public async Task WriteAsync_StandInInOneWrite_IsReplacedByTheResult()
    {
        var (context, inner, body) = Start();
        var standIn = body.Add(Sequence("{\"content\":[", "{\"type\":\"text\",\"text\":\"big\"}", "]}"));

        await body.WriteAsync(Event(standIn), Ct);
        var lost = await body.EndAsync(context);

        Assert.Equal("event: message\ndata: {\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"big\"}]},\"id\":1,\"jsonrpc\":\"2.0\"}\n\n", Text(inner));
        Assert.Equal(1, body.Spliced);
        Assert.Equal(0, lost);
    }

    [Fact]
    public async Task WriteAsync_StandInCutAtEveryPosition_IsReplaced()
    {
        var expected = "event: message\ndata: {\"result\":{\"x\":\"é\"},\"id\":1,\"jsonrpc\":\"2.0\"}\n\n";
        var probe = Start().Body.Add(Sequence("{}"));
        var length = Event(probe).Length;
        for (var cut = 0; cut <= length; cut++)
        {
            foreach (var second in new[] { cut, Math.Min(length, cut + 7) })
            {
                var (context, inner, body) = Start();
                var bytes = Event(body.Add(Sequence("{\"x\":", "\"é\"}")));

                await body.WriteAsync(bytes.AsMemory(0, cut), Ct);
                await body.WriteAsync(bytes.AsMemory(cut, second - cut), Ct);
                await body.FlushAsync(Ct);
                await body.WriteAsync(bytes.AsMemory(second), Ct);
                await body.EndAsync(context);

                Assert.Equal(expected, Text(inner));
            }
        }
    }

    [Fact]
    public async Task WriteAsync_TwoStandInsAndAnotherBodysStandIn_ReplacesOnlyItsOwn()
    {
        var (context, inner, body) = Start();
        var first = body.Add(Sequence("{\"n\":1}"));
        var second = body.Add(Sequence("{\"n\":2}"));
        var foreign = Start().Body.Add(Sequence("{\"n\":3}"));

        byte[] all = [.. Event(second), .. Event(foreign), .. Event(first)];
        await body.WriteAsync(all, Ct);
        var lost = await body.EndAsync(context);

        Assert.Equal(
            "event: message\ndata: {\"result\":{\"n\":2},\"id\":1,\"jsonrpc\":\"2.0\"}\n\n"
            + $"event: message\ndata: {{\"result\":{Encoding.UTF8.GetString(foreign)},\"id\":1,\"jsonrpc\":\"2.0\"}}\n\n"
            + "event: message\ndata: {\"result\":{\"n\":1},\"id\":1,\"jsonrpc\":\"2.0\"}\n\n",
            Text(inner));
        Assert.Equal(2, body.Spliced);
        Assert.Equal(0, lost);
    }

    [Fact]
    public async Task EndAsync_StandInNeverWritten_IsCountedAsLostAndAHeldStartIsWritten()
    {
        var (context, inner, body) = Start();
        var standIn = body.Add(Sequence("{}"));

        // Ends with what could be the start of a stand-in, and never goes on.
        await body.WriteAsync(standIn.AsMemory(0, 10), Ct);
        Assert.Equal("", Text(inner));
        var lost = await body.EndAsync(context);

        Assert.Equal(Encoding.UTF8.GetString(standIn, 0, 10), Text(inner));
        Assert.Equal(1, lost);
        Assert.Equal(0, body.Spliced);
    }

    [Fact]
    public void StandIn_UnreplacedIsAnErrorResult()
    {
        var standIn = Start().Body.Add(Sequence("{}"));

        var result = System.Text.Json.JsonDocument.Parse(standIn).RootElement;

        Assert.True(result.GetProperty("isError").GetBoolean());
        Assert.StartsWith("The result was not sent", result.GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    private static (DefaultHttpContext Context, MemoryStream Inner, ResultSplicingBody Body) Start()
    {
        var context = new DefaultHttpContext();
        var inner = new MemoryStream();
        context.Response.Body = inner;
        var body = ResultSplicingBody.Install(context);
        Assert.Same(body, context.Response.Body);
        Assert.Same(body, context.Features.Get<ResultSplicingBody>());
        return (context, inner, body);
    }

    private static byte[] Event(byte[] result) =>
        [.. "event: message\ndata: {\"result\":"u8, .. result, .. ",\"id\":1,\"jsonrpc\":\"2.0\"}\n\n"u8];

    private static string Text(MemoryStream stream) => Encoding.UTF8.GetString(stream.ToArray());

    private static ReadOnlySequence<byte> Sequence(params string[] parts)
    {
        Segment? first = null;
        Segment? last = null;
        foreach (var part in parts)
        {
            var segment = new Segment(Encoding.UTF8.GetBytes(part), last is null ? 0 : last.RunningIndex + last.Memory.Length);
            if (last is null)
            {
                first = segment;
            }
            else
            {
                last.Next = segment;
            }

            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public new Segment? Next
        {
            get => (Segment?)base.Next;
            set => base.Next = value;
        }
    }
}
