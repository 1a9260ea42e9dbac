using Microsoft.Win32.SafeHandles;

namespace Mxcp.Runtime.Audit.Jsonl;

/// <summary>
/// Reads the lines of a file from the last to the first in chunks, so that "newest first" never loads a segment into
/// memory. The length is fixed when the reader opens: what a writer appends meanwhile is not read. A last line without
/// its newline is reported as <see cref="ReverseLine.IsUnterminated"/> (a torn write, or one still in progress).
/// </summary>
internal sealed class ReverseLineReader : IDisposable
{
    private const int ChunkSize = 64 * 1024;

    private readonly SafeFileHandle _handle;
    private byte[] _buffer = new byte[ChunkSize];

    // Unread bytes are _buffer[_start.._end) and start at file offset _fileOffset.
    private int _start;
    private int _end;
    private long _fileOffset;
    private bool _first = true;

    public ReverseLineReader(string path)
    {
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);
        Length = RandomAccess.GetLength(_handle);
        _fileOffset = Length;
    }

    public long Length { get; }

    /// <summary>The previous line (without its newline), or <see langword="null"/> at the start of the file. Valid until the next call.</summary>
    public async ValueTask<ReverseLine?> ReadPreviousAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_first)
            {
                _first = false;
                if (Length > 0 && await LastByteAsync(cancellationToken).ConfigureAwait(false) != (byte)'\n')
                {
                    // The tail after the last newline is an unterminated line.
                    var tail = await TakeLineAsync(cancellationToken).ConfigureAwait(false);
                    if (tail is { } t)
                    {
                        return new ReverseLine(t, IsUnterminated: true);
                    }

                    return null;
                }

                if (Length > 0)
                {
                    // Drop the final newline so the loop below sees "line\nline".
                    await EnsureAsync(cancellationToken).ConfigureAwait(false);
                    _end--;
                }
            }

            var line = await TakeLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                return null;
            }

            var span = line.Value;
            if (span.Length > 0 && span.Span[^1] == (byte)'\r')
            {
                span = span[..^1];
            }

            if (span.Length == 0)
            {
                continue;
            }

            return new ReverseLine(span, IsUnterminated: false);
        }
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>Takes the bytes after the last newline of the unread region (reading earlier chunks as needed) and the newline itself.</summary>
    private async ValueTask<ReadOnlyMemory<byte>?> TakeLineAsync(CancellationToken cancellationToken)
    {
        if (_end == _start && _fileOffset == 0)
        {
            return null;
        }

        var searchedFrom = _end;
        while (true)
        {
            var index = _buffer.AsSpan(_start, searchedFrom - _start).LastIndexOf((byte)'\n');
            if (index >= 0)
            {
                var newline = _start + index;
                var line = new ReadOnlyMemory<byte>(_buffer, newline + 1, _end - newline - 1);
                _end = newline;
                return line;
            }

            if (_fileOffset == 0)
            {
                var line = new ReadOnlyMemory<byte>(_buffer, _start, _end - _start);
                _end = _start;
                return line;
            }

            // Everything unread has been searched: read the chunk before it.
            var searched = _end - _start;
            await ReadEarlierAsync(cancellationToken).ConfigureAwait(false);
            searchedFrom = _end - searched;
        }
    }

    private async ValueTask EnsureAsync(CancellationToken cancellationToken)
    {
        if (_end == _start && _fileOffset > 0)
        {
            await ReadEarlierAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<byte> LastByteAsync(CancellationToken cancellationToken)
    {
        await EnsureAsync(cancellationToken).ConfigureAwait(false);
        return _buffer[_end - 1];
    }

    /// <summary>Moves the unread bytes to the end of the buffer (growing it for long lines) and reads the chunk before them.</summary>
    private async ValueTask ReadEarlierAsync(CancellationToken cancellationToken)
    {
        var unread = _end - _start;
        var chunk = (int)Math.Min(ChunkSize, _fileOffset);
        if (chunk + unread > _buffer.Length)
        {
            var grown = new byte[Math.Max(_buffer.Length * 2, chunk + unread)];
            Buffer.BlockCopy(_buffer, _start, grown, grown.Length - unread, unread);
            _buffer = grown;
        }
        else
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, _buffer.Length - unread, unread);
        }

        _end = _buffer.Length;
        _start = _end - unread - chunk;
        var offset = _fileOffset - chunk;
        var read = 0;
        while (read < chunk)
        {
            var n = await RandomAccess.ReadAsync(_handle, _buffer.AsMemory(_start + read, chunk - read), offset + read, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("The audit segment shrank while it was read");
            }

            read += n;
        }

        _fileOffset = offset;
    }
}

/// <summary>A line read by <see cref="ReverseLineReader"/>.</summary>
/// <param name="Bytes">The line's bytes, without the newline.</param>
/// <param name="IsUnterminated">The file's last line had no newline.</param>
internal readonly record struct ReverseLine(ReadOnlyMemory<byte> Bytes, bool IsUnterminated);
