using System.Globalization;
using Mxcp.Abstractions;

namespace Mxcp.Plugins.Upstream.Supervision;

/// <summary>What one message of an upstream is, in the bytes it sends.</summary>
internal enum MessageUnit
{
    /// <summary>A line: stdio carries one JSON-RPC message per line.</summary>
    Line,

    /// <summary>An SSE event: the lines up to an empty line.</summary>
    Event,

    /// <summary>The whole body: an HTTP response of <c>application/json</c>.</summary>
    Body,
}

/// <summary>
/// Reads an upstream's output and fails with <see cref="UpstreamMessageTooLargeException"/> as soon as one message
/// (<see cref="MessageUnit"/>) is longer than the limit, before a reader holds more of it than the limit and one read
/// buffer: the SDK's transports read a whole line (stdio), SSE event or JSON body before looking at it.
/// <paramref name="exceeded"/> hears of it once; <paramref name="atEnd"/>, at the end of the stream, may give the error
/// that ends it instead.
/// </summary>
internal sealed class BoundedMessageStream(
    Stream inner, MessageUnit unit, long maxBytes, string upstream,
    Action<UpstreamMessageTooLargeException>? exceeded = null, Func<CancellationToken, ValueTask<Exception?>>? atEnd = null) : Stream
{
    private long _count;
    private long _lineLength;
    private bool _exceeded;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ThrowIfExceeded();
        var read = inner.Read(buffer);
        if (read == 0 && atEnd is not null && atEnd(CancellationToken.None).AsTask().GetAwaiter().GetResult() is { } error)
        {
            throw error;
        }

        Count(buffer[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfExceeded();
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (read == 0 && atEnd is not null && await atEnd(cancellationToken).ConfigureAwait(false) is { } error)
        {
            throw error;
        }

        Count(buffer.Span[..read]);
        return read;
    }

    private void Count(ReadOnlySpan<byte> data)
    {
        if (unit == MessageUnit.Body)
        {
            _count += data.Length;
            ThrowIfExceeded();
            return;
        }

        while (true)
        {
            var newline = data.IndexOf((byte)'\n');
            var part = newline < 0 ? data : data[..newline];
            _count += part.Length;
            // A line of only "\r" is empty too (SSE lines may end with "\r\n", in two reads).
            if (unit == MessageUnit.Event)
            {
                _lineLength += part.Length - part.Count((byte)'\r');
            }

            ThrowIfExceeded();
            if (newline < 0)
            {
                return;
            }

            if (unit == MessageUnit.Line || _lineLength == 0)
            {
                _count = 0;
            }

            _lineLength = 0;
            data = data[(newline + 1)..];
        }
    }

    private void ThrowIfExceeded()
    {
        if (_exceeded)
        {
            throw new UpstreamMessageTooLargeException(upstream, unit, maxBytes);
        }

        if (_count > maxBytes)
        {
            _exceeded = true;
            var error = new UpstreamMessageTooLargeException(upstream, unit, maxBytes);
            exceeded?.Invoke(error);
            throw error;
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();

    /// <summary>
    /// The most bytes one message of an upstream may take: twice the project's <c>limits.max_result_bytes</c> (a result
    /// within the limit as Mxcp measures it may take more bytes as the upstream wrote it, with its escapes and
    /// whitespace) plus 1 MiB for the JSON-RPC envelope; 1 GiB when results are not limited.
    /// </summary>
    public static long Limit(ResultLimits limits) => limits.MaxBytes > 0 ? checked((2 * limits.MaxBytes) + OneMiB) : OneGiB;

    private const long OneMiB = 1024 * 1024;
    private const long OneGiB = 1024 * OneMiB;
}

/// <summary>An upstream sent a message larger than <see cref="BoundedMessageStream.Limit"/>; its connection is closed.</summary>
internal sealed class UpstreamMessageTooLargeException(string upstream, MessageUnit unit, long maxBytes) : IOException(string.Create(CultureInfo.InvariantCulture,
    $"upstream '{upstream}' sent {unit switch { MessageUnit.Line => "a line on standard output", MessageUnit.Event => "an SSE event", _ => "a response body" }} of more than {maxBytes:N0} bytes, the most one upstream message may take (twice limits.max_result_bytes plus 1 MiB); {(unit == MessageUnit.Line ? "the connection is closed and the upstream restarted" : "the answer is dropped")}"))
{
    public string Upstream { get; } = upstream;

    public long MaxBytes { get; } = maxBytes;
}
