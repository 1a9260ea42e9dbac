using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Mxcp.Cli.Logging;

/// <summary>
/// <c>logging.path</c>: log lines appended to a file that rotates by size, as Python's <c>RotatingFileHandler</c> does
/// (<c>max_bytes</c>, <c>backup_count</c>): when the next line would make the file larger than <c>max_bytes</c>, it is
/// renamed <c>path.1</c> (<c>path.1</c> to <c>path.2</c>, ..., the oldest beyond <c>backup_count</c> deleted) and a new
/// file is started. With <c>backup_count: 0</c> the file starts over, so it never grows without bound. Lines are
/// formatted on the logging thread and written by a thread of their own; if the disk cannot keep up, at most
/// <see cref="QueueCapacity"/> lines wait, further ones are dropped and a line in the file says how many.
/// </summary>
internal sealed class RotatingFileLoggerProvider : ILoggerProvider
{
    public const int QueueCapacity = 10_000;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly string _path;
    private readonly long _maxBytes;
    private readonly int _backupCount;
    private readonly bool _json;
    private readonly Channel<string> _lines;
    private readonly Thread _writer;
    private FileStream _file;
    private long _size;
    private long _dropped;
    private bool _rotationFailureReported;

    /// <exception cref="IOException">The file cannot be opened.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be written.</exception>
    public RotatingFileLoggerProvider(string path, long maxBytes, int backupCount, bool json)
    {
        _path = Path.GetFullPath(path);
        _maxBytes = maxBytes;
        _backupCount = backupCount;
        _json = json;
        if (Path.GetDirectoryName(_path) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }

        _file = Open(_path);
        _size = _file.Length;
        _lines = Channel.CreateBounded<string>(
            new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
        _writer = new Thread(Write) { IsBackground = true, Name = "mxcp log file" };
        _writer.Start();
    }

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    private void Enqueue(string line) => _lines.Writer.TryWrite(line);

    private void Write()
    {
        var reader = _lines.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out var line))
            {
                WriteLine(line);
            }

            if (Interlocked.Exchange(ref _dropped, 0) is var dropped and > 0)
            {
                WriteLine(LogLine.Text(DateTimeOffset.UtcNow, LogLevel.Warning, "Mxcp.Logging", $"{dropped} log lines were dropped: the log file could not keep up", null));
            }

            _file.Flush();
        }

        _file.Flush();
    }

    private void WriteLine(string line)
    {
        var bytes = Utf8.GetBytes(line + "\n");
        if (_size > 0 && _size + bytes.Length > _maxBytes)
        {
            Rotate();
        }

        _file.Write(bytes);
        _size += bytes.Length;
    }

    private void Rotate()
    {
        try
        {
            _file.Dispose();
            if (_backupCount == 0)
            {
                File.Delete(_path);
            }
            else
            {
                File.Delete(Backup(_backupCount));
                for (var i = _backupCount - 1; i >= 1; i--)
                {
                    if (File.Exists(Backup(i)))
                    {
                        File.Move(Backup(i), Backup(i + 1), overwrite: true);
                    }
                }

                File.Move(_path, Backup(1), overwrite: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (!_rotationFailureReported)
            {
                _rotationFailureReported = true;
                Console.Error.WriteLine($"Log file {_path} could not be rotated ({e.Message}); writing on in it");
            }
        }

        _file = Open(_path);
        _size = _file.Length;
    }

    private string Backup(int index) => $"{_path}.{index}";

    private static FileStream Open(string path) =>
        new(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.None);

    public void Dispose()
    {
        if (_lines.Writer.TryComplete())
        {
            _writer.Join(TimeSpan.FromSeconds(5));
            _file.Dispose();
        }
    }

    private sealed class FileLogger(RotatingFileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, exception);
            var now = DateTimeOffset.UtcNow;
            provider.Enqueue(provider._json
                ? LogLine.Json(now, logLevel, category, eventId, message, state as IReadOnlyList<KeyValuePair<string, object?>>, exception, Activity.Current)
                : LogLine.Text(now, logLevel, category, message, exception));
        }
    }
}
