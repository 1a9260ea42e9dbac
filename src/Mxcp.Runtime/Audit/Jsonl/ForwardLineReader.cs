using Microsoft.Win32.SafeHandles;

namespace Mxcp.Runtime.Audit.Jsonl;

/// <summary>Reads the lines of an open file from the first to the last, in chunks; for retention, which rewrites segments in order.</summary>
internal sealed class ForwardLineReader(SafeFileHandle handle)
{
    private const int ChunkSize = 64 * 1024;

    private readonly long _length = RandomAccess.GetLength(handle);
    private byte[] _buffer = new byte[ChunkSize];
    private int _start;
    private int _end;
    private long _offset;

    /// <summary>The next line without its newline (valid until the next call), or <see langword="null"/> at the end.</summary>
    public async ValueTask<(ReadOnlyMemory<byte> Line, bool Terminated)?> ReadNextAsync(CancellationToken cancellationToken)
    {
        var searchedFrom = _start;
        while (true)
        {
            var index = _buffer.AsSpan(searchedFrom, _end - searchedFrom).IndexOf((byte)'\n');
            if (index >= 0)
            {
                var newline = searchedFrom + index;
                var line = new ReadOnlyMemory<byte>(_buffer, _start, newline - _start);
                _start = newline + 1;
                return (line, true);
            }

            if (_offset >= _length)
            {
                if (_end == _start)
                {
                    return null;
                }

                var tail = new ReadOnlyMemory<byte>(_buffer, _start, _end - _start);
                _start = _end;
                return (tail, false);
            }

            var searched = _end - _start;
            await ReadMoreAsync(cancellationToken).ConfigureAwait(false);
            searchedFrom = _start + searched;
        }
    }

    private async ValueTask ReadMoreAsync(CancellationToken cancellationToken)
    {
        var unread = _end - _start;
        var chunk = (int)Math.Min(ChunkSize, _length - _offset);
        if (unread + chunk > _buffer.Length)
        {
            var grown = new byte[Math.Max(_buffer.Length * 2, unread + chunk)];
            Buffer.BlockCopy(_buffer, _start, grown, 0, unread);
            _buffer = grown;
        }
        else
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, unread);
        }

        _start = 0;
        _end = unread;
        var read = 0;
        while (read < chunk)
        {
            var n = await RandomAccess.ReadAsync(handle, _buffer.AsMemory(_end + read, chunk - read), _offset + read, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        _end += read;
        _offset += chunk;
    }
}
