using System.Buffers;

namespace Mxcp.Shared;

/// <summary>
/// A growing byte buffer kept as a chain of arrays of 64 KiB (below the large object heap's threshold, so a large
/// answer is ordinary short-lived garbage rather than large-object-heap arrays), read back as one sequence.
/// </summary>
/// <remarks>Compiled into the runtime and the DuckDB plugin (a linked source file): plugins share no assembly but the contracts.</remarks>
internal sealed class ChunkedBufferWriter : IBufferWriter<byte>
{
    private const int ChunkBytes = 64 * 1024;

    private Chunk? _first;
    private Chunk? _last;
    private byte[] _current = [];
    private int _used;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _current.Length - _used);
        _used += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _current.AsMemory(_used);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _current.AsSpan(_used);
    }

    /// <summary>Copies <paramref name="bytes"/> in, across as many chunks as it takes.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var span = GetSpan();
            var n = Math.Min(span.Length, bytes.Length);
            bytes[..n].CopyTo(span);
            Advance(n);
            bytes = bytes[n..];
        }
    }

    /// <summary>Everything written, as one sequence over the chunks; writing after this starts a new chunk.</summary>
    public ReadOnlySequence<byte> ToSequence()
    {
        Seal();
        return _first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_first, 0, _last!, _last!.Memory.Length);
    }

    private void Ensure(int sizeHint)
    {
        if (_current.Length - _used >= Math.Max(sizeHint, 1))
        {
            return;
        }

        Seal();
        _current = new byte[Math.Max(ChunkBytes, sizeHint)];
        _used = 0;
    }

    private void Seal()
    {
        if (_used == 0)
        {
            return;
        }

        var chunk = new Chunk(_current.AsMemory(0, _used), _last is null ? 0 : _last.RunningIndex + _last.Memory.Length);
        if (_last is null)
        {
            _first = chunk;
        }
        else
        {
            _last.Append(chunk);
        }

        _last = chunk;
        // The rest of a sealed array is not written to again: the next write starts a fresh chunk.
        _current = [];
        _used = 0;
    }

    private sealed class Chunk : ReadOnlySequenceSegment<byte>
    {
        public Chunk(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void Append(Chunk next) => Next = next;
    }
}
