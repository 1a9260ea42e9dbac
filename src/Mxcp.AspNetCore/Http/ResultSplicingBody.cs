using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Mxcp.Runtime.Mcp;

namespace Mxcp.AspNetCore.Http;

/// <summary>
/// The response body of an MCP POST, in front of the real one: it passes writes through until a large result has been
/// added (<see cref="Add"/>), then looks for that result's stand-in in what is written and writes the result's JSON, a
/// segment at a time, in its place. The SDK formats each message whole into pooled buffers before writing it (an
/// 18 MB answer took two 32 MB arrays that the shared pool then keeps); with the stand-in it formats a few hundred bytes.
/// </summary>
/// <remarks>
/// The stand-in is a complete error result naming a random token, so a stand-in that reached a client unreplaced could
/// only ever read as a failure. A stand-in split between two writes is held back until the next one (or the end).
/// </remarks>
internal sealed class ResultSplicingBody : Stream
{
    private static readonly byte[] Prefix = Encoding.UTF8.GetBytes(
        "{\"content\":[{\"type\":\"text\",\"text\":\"The result was not sent: it was to be written in place of this stand-in.\"}],\"isError\":true,\"_meta\":{\"io.mxcp/splice\":\"");

    private static readonly byte[] Suffix = "\"}}"u8.ToArray();

    private const int TokenLength = 32;

    private static readonly int StandInLength = Prefix.Length + TokenLength + Suffix.Length;

    private readonly Stream _inner;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ReadOnlySequence<byte>> _pending = new(StringComparer.Ordinal);
    private volatile int _pendingCount;
    private byte[]? _held;

    private ResultSplicingBody(Stream inner) => _inner = inner;

    /// <summary>Puts a splicing body in front of <paramref name="context"/>'s response body; <see cref="EndAsync"/> takes it away.</summary>
    public static ResultSplicingBody Install(HttpContext context)
    {
        var body = new ResultSplicingBody(context.Response.Body);
        context.Response.Body = body;
        context.Features.Set(body);
        return body;
    }

    /// <summary>Results spliced into this response so far.</summary>
    public int Spliced { get; private set; }

    /// <summary>Keeps <paramref name="json"/> for this response and returns its stand-in.</summary>
    public byte[] Add(ReadOnlySequence<byte> json)
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(TokenLength / 2));
        lock (_gate)
        {
            _pending[token] = json;
            _pendingCount = _pending.Count;
        }

        return [.. Prefix, .. Encoding.ASCII.GetBytes(token), .. Suffix];
    }

    /// <summary>
    /// Gives the response its own body back, writes what was held back, and returns how many results were added but
    /// never passed through (their stand-ins, if sent, read as errors).
    /// </summary>
    public async Task<int> EndAsync(HttpContext context)
    {
        context.Features.Set<ResultSplicingBody>(null);
        context.Response.Body = _inner;
        int lost;
        lock (_gate)
        {
            lost = _pending.Count;
            _pending.Clear();
            _pendingCount = 0;
        }

        if (_held is { } held)
        {
            _held = null;
            await _inner.WriteAsync(held).ConfigureAwait(false);
        }

        return lost;
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (!Armed)
        {
            _inner.Write(buffer);
            return;
        }

        foreach (var piece in Plan(buffer.ToArray()))
        {
            _inner.Write(piece.Span);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        Armed ? WritePlannedAsync(buffer, cancellationToken) : _inner.WriteAsync(buffer, cancellationToken);

    // Streams are disposed by whoever owns them: the real body belongs to the server.
    protected override void Dispose(bool disposing)
    {
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private bool Armed => _held is not null || _pendingCount > 0;

    private async ValueTask WritePlannedAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        foreach (var piece in Plan(buffer))
        {
            await _inner.WriteAsync(piece, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// What to write for <paramref name="buffer"/> (after what was held back): the bytes around each known stand-in, the
    /// stand-in's result in its place; a possible start of a stand-in at the end is held back.
    /// </summary>
    private List<ReadOnlyMemory<byte>> Plan(ReadOnlyMemory<byte> buffer)
    {
        var data = buffer;
        if (_held is { } held)
        {
            _held = null;
            data = (byte[])[.. held, .. buffer.Span];
        }

        var pieces = new List<ReadOnlyMemory<byte>>();
        while (!data.IsEmpty)
        {
            if (_pendingCount == 0)
            {
                break;
            }

            var at = data.Span.IndexOf(Prefix);
            if (at < 0)
            {
                var partial = PartialPrefixAtEnd(data.Span);
                pieces.Add(data[..^partial]);
                _held = partial > 0 ? data[^partial..].ToArray() : null;
                return pieces;
            }

            if (data.Length - at < StandInLength)
            {
                pieces.Add(data[..at]);
                _held = data[at..].ToArray();
                return pieces;
            }

            var candidate = data.Slice(at, StandInLength);
            if (candidate.Span[^Suffix.Length..].SequenceEqual(Suffix) && TryTake(candidate.Span.Slice(Prefix.Length, TokenLength), out var json))
            {
                pieces.Add(data[..at]);
                foreach (var segment in json)
                {
                    pieces.Add(segment);
                }

                Spliced++;
                data = data[(at + StandInLength)..];
            }
            else
            {
                pieces.Add(data[..(at + 1)]);
                data = data[(at + 1)..];
            }
        }

        if (!data.IsEmpty)
        {
            pieces.Add(data);
        }

        return pieces;
    }

    private bool TryTake(ReadOnlySpan<byte> token, out ReadOnlySequence<byte> json)
    {
        Span<char> chars = stackalloc char[TokenLength];
        for (var i = 0; i < token.Length; i++)
        {
            chars[i] = (char)token[i];
        }

        lock (_gate)
        {
            var found = _pending.Remove(new string(chars), out json);
            _pendingCount = _pending.Count;
            return found;
        }
    }

    /// <summary>The length of the longest end of <paramref name="data"/> that begins the stand-in's prefix.</summary>
    private static int PartialPrefixAtEnd(ReadOnlySpan<byte> data)
    {
        for (var length = Math.Min(data.Length, Prefix.Length - 1); length > 0; length--)
        {
            if (data[^length..].SequenceEqual(Prefix.AsSpan(0, length)))
            {
                return length;
            }
        }

        return 0;
    }
}

/// <summary>Finds the splicing body of the MCP POST on the current execution flow.</summary>
internal sealed class HttpResultSplicer(IHttpContextAccessor accessor) : IResultSplicer
{
    public byte[]? TryAdd(ReadOnlySequence<byte> json) => accessor.HttpContext?.Features.Get<ResultSplicingBody>()?.Add(json);
}
