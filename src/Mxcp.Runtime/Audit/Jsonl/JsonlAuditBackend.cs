using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using Mxcp.Abstractions;

namespace Mxcp.Runtime.Audit.Jsonl;

/// <summary>
/// The JSONL audit backend, compatible with the Python MXCP's files. Writing: one segment per
/// backend instance, created on the first batch, rotated at <c>max_file_size</c> and at UTC midnight; a batch is one
/// positional write, flushed to disk unless <c>fsync: none</c>, and rolled back if it fails so that a retry does not
/// duplicate records. Reading: every segment from its end, merged newest first; torn or corrupt lines are skipped
/// with a warning. Retention rewrites closed segments without their expired records.
/// </summary>
internal sealed partial class JsonlAuditBackend : IAuditBackend, IAuditEntrySink
{
    private static readonly JsonSerializerOptions SideFileJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly JsonlSegments _segments;
    private readonly long _maxFileSize;
    private readonly bool _flushToDisk;
    private readonly JsonObject? _schema;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly Utf8JsonWriter _json;
    private SafeFileHandle? _handle;
    private string? _segmentPath;
    private DateOnly _segmentDay;
    private long _length;
    private bool _schemaRegistered;
    private bool _disposed;

    public JsonlAuditBackend(string basePath, long maxFileSize, bool flushToDisk, JsonObject? schema, ILogger logger, TimeProvider? time = null)
    {
        _segments = new JsonlSegments(basePath);
        _maxFileSize = maxFileSize;
        _flushToDisk = flushToDisk;
        _schema = schema;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _json = new Utf8JsonWriter(_buffer, AuditRecordJson.WriterOptions);
    }

    /// <summary>The segment this backend writes to, once it has written.</summary>
    public string? CurrentSegment => _segmentPath;

    public ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        Write(records.Select(r => new AuditEntry(r)).ToList(), cancellationToken);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Appends a batch as one positional write (synchronous on purpose: the writer calls from its own thread, and the
    /// thread pool would only add a hop), flushed to disk unless <c>fsync: none</c>.
    /// </summary>
    public void Write(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (entries.Count == 0)
        {
            return;
        }

        var now = _time.GetUtcNow();
        if (_handle is not null && DateOnly.FromDateTime(now.UtcDateTime) != _segmentDay)
        {
            CloseSegment();
        }

        if (_handle is null)
        {
            OpenSegment(now);
        }

        _buffer.ResetWrittenCount();
        foreach (var entry in entries)
        {
            AuditRecordJson.WriteLine(_buffer, entry, _json);
        }

        var offset = _length;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            RandomAccess.Write(_handle!, _buffer.WrittenSpan, offset);
            if (_flushToDisk)
            {
                RandomAccess.FlushToDisk(_handle!);
            }

            _length = offset + _buffer.WrittenCount;
        }
        catch (Exception) when (RollBack(offset))
        {
            throw;
        }

        if (_length >= _maxFileSize)
        {
            LogRotated(_logger, _segmentPath!, _length);
            CloseSegment();
        }
    }

    public async IAsyncEnumerable<AuditRecord> QueryAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var matcher = new AuditQueryMatcher(query);
        var cursors = new List<SegmentCursor>();
        try
        {
            var heads = new PriorityQueue<SegmentCursor, (DateTimeOffset, string)>(NewestFirst.Instance);
            foreach (var path in _segments.List())
            {
                var cursor = SegmentCursor.Open(path, ordered: !_segments.IsLegacyBaseFile(path), this);
                if (cursor is null)
                {
                    continue;
                }

                cursors.Add(cursor);
                if (await cursor.MoveNextAsync(matcher, cancellationToken).ConfigureAwait(false))
                {
                    heads.Enqueue(cursor, (cursor.Header!.Timestamp, cursor.Header.RecordId));
                }
            }

            var skipped = 0;
            var returned = 0;
            while ((query.Limit is not { } limit || returned < limit) && heads.TryDequeue(out var cursor, out _))
            {
                if (skipped < query.Offset)
                {
                    skipped++;
                }
                else
                {
                    AuditRecord? record = null;
                    try
                    {
                        record = AuditRecordJson.Parse(cursor.Line);
                    }
                    catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
                    {
                        LogCorruptLine(_logger, cursor.Path, e.Message);
                    }

                    if (record is not null)
                    {
                        returned++;
                        yield return record;
                    }
                }

                if (await cursor.MoveNextAsync(matcher, cancellationToken).ConfigureAwait(false))
                {
                    heads.Enqueue(cursor, (cursor.Header!.Timestamp, cursor.Header.RecordId));
                }
            }
        }
        finally
        {
            foreach (var cursor in cursors)
            {
                cursor.Dispose();
            }
        }
    }

    public async ValueTask<AuditStats> GetStatsAsync(DateTimeOffset? startTime = null, DateTimeOffset? endTime = null, CancellationToken cancellationToken = default)
    {
        var matcher = new AuditQueryMatcher(new AuditQuery { StartTime = startTime, EndTime = endTime });
        var stats = new AuditStatsBuilder();
        foreach (var path in _segments.List())
        {
            using var cursor = SegmentCursor.Open(path, ordered: !_segments.IsLegacyBaseFile(path), this);
            while (cursor is not null && await cursor.MoveNextAsync(matcher, cancellationToken, keepLine: false).ConfigureAwait(false))
            {
                stats.Add(cursor.Header!.OperationType, cursor.Header.OperationStatus, cursor.Header.PolicyDecision, cursor.Header.Timestamp);
            }
        }

        return stats.Build();
    }

    public async ValueTask<IReadOnlyDictionary<string, long>> ApplyRetentionAsync(IReadOnlyDictionary<string, DateTimeOffset> cutoffs, bool dryRun, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cutoffs);
        var expired = new SortedDictionary<string, long>(StringComparer.Ordinal);
        if (cutoffs.Count == 0)
        {
            return expired;
        }

        foreach (var path in _segments.List())
        {
            if (path == _segmentPath)
            {
                continue;
            }

            using var handle = JsonlSegments.TryOpenExclusive(path);
            if (handle is null)
            {
                LogSegmentInUse(_logger, path);
                continue;
            }

            var counts = await CountExpiredAsync(handle, cutoffs, cancellationToken).ConfigureAwait(false);
            foreach (var (schema, count) in counts.Expired)
            {
                expired[schema] = expired.GetValueOrDefault(schema) + count;
            }

            if (dryRun || counts.Expired.Count == 0)
            {
                continue;
            }

            if (counts.Kept == 0)
            {
                File.Delete(path);
                LogSegmentDeleted(_logger, path, counts.Total);
            }
            else
            {
                await RewriteAsync(path, handle, cutoffs, cancellationToken).ConfigureAwait(false);
                LogSegmentRewritten(_logger, path, counts.Total - counts.Kept, counts.Kept);
            }
        }

        return expired;
    }

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        CloseSegment();
        _json.Dispose();
        return ValueTask.CompletedTask;
    }

    private void OpenSegment(DateTimeOffset now)
    {
        var (path, handle) = _segments.CreateSegment(now);
        _handle = handle;
        _segmentPath = path;
        _segmentDay = DateOnly.FromDateTime(now.UtcDateTime);
        _length = 0;
        LogSegmentCreated(_logger, path);
        if (!_schemaRegistered && _schema is not null)
        {
            RegisterSchema(now);
            _schemaRegistered = true;
        }
    }

    private void CloseSegment()
    {
        _handle?.Dispose();
        _handle = null;
        _segmentPath = null;
    }

    /// <summary>Cuts a failed batch off the segment; if even that fails, the next batch goes to a new segment.</summary>
    private bool RollBack(long offset)
    {
        try
        {
            RandomAccess.SetLength(_handle!, offset);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogRollbackFailed(_logger, _segmentPath!, e.Message);
            CloseSegment();
        }

        return false;
    }

    /// <summary>Appends the schema to the side file unless its latest registration already says the same (append-only; the latest line wins).</summary>
    private void RegisterSchema(DateTimeOffset now)
    {
        try
        {
            var schema = _schema!;
            var id = AuditSchemas.SchemaId(schema["schema_name"]!.GetValue<string>(), schema["version"]!.GetValue<int>());
            JsonObject? latest = null;
            if (File.Exists(_segments.SchemaFile))
            {
                foreach (var line in File.ReadLines(_segments.SchemaFile))
                {
                    if (line.Length > 0 && TryParseObject(line) is { } existing
                        && existing["schema_name"]?.GetValue<string>() is { } name && existing["version"]?.GetValue<int>() is { } version
                        && AuditSchemas.SchemaId(name, version) == id)
                    {
                        latest = existing;
                    }
                }
            }

            if (latest is not null)
            {
                latest.Remove("created_at");
                if (JsonNode.DeepEquals(latest, schema))
                {
                    return;
                }
            }

            var entry = (JsonObject)schema.DeepClone();
            entry["created_at"] = AuditRecordJson.FormatTimestamp(now);
            File.AppendAllText(_segments.SchemaFile, entry.ToJsonString(SideFileJson) + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The records matter more than the side file: keep writing them.
            LogSchemaFileFailed(_logger, _segments.SchemaFile, e.Message);
        }
    }

    private static JsonObject? TryParseObject(string line)
    {
        try
        {
            return JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? ExpiredSchema(ReadOnlySpan<byte> line, IReadOnlyDictionary<string, DateTimeOffset> cutoffs)
    {
        if (!AuditRecordHeader.TryRead(line, out var header))
        {
            return null;
        }

        return cutoffs.TryGetValue(header.SchemaName, out var cutoff) && header.Timestamp < cutoff
            ? AuditSchemas.SchemaId(header.SchemaName, header.SchemaVersion)
            : null;
    }

    private static async Task<(Dictionary<string, long> Expired, long Kept, long Total)> CountExpiredAsync(
        SafeFileHandle handle, IReadOnlyDictionary<string, DateTimeOffset> cutoffs, CancellationToken cancellationToken)
    {
        var expired = new Dictionary<string, long>(StringComparer.Ordinal);
        long kept = 0, total = 0;
        var reader = new ForwardLineReader(handle);
        while (await reader.ReadNextAsync(cancellationToken).ConfigureAwait(false) is { } item)
        {
            if (item.Line.IsEmpty)
            {
                continue;
            }

            total++;
            if (ExpiredSchema(item.Line.Span, cutoffs) is { } schema)
            {
                expired[schema] = expired.GetValueOrDefault(schema) + 1;
            }
            else
            {
                // Unreadable lines are kept: retention deletes records it can date, nothing else.
                kept++;
            }
        }

        return (expired, kept, total);
    }

    /// <summary>Writes the unexpired lines to a temporary file and renames it over the segment, which stays locked meanwhile.</summary>
    private static async Task RewriteAsync(string path, SafeFileHandle handle, IReadOnlyDictionary<string, DateTimeOffset> cutoffs, CancellationToken cancellationToken)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".retention.tmp");
        try
        {
            using (var output = File.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.None, FileOptions.Asynchronous))
            {
                var reader = new ForwardLineReader(handle);
                long offset = 0;
                while (await reader.ReadNextAsync(cancellationToken).ConfigureAwait(false) is { } item)
                {
                    if (item.Line.IsEmpty || ExpiredSchema(item.Line.Span, cutoffs) is not null)
                    {
                        continue;
                    }

                    await RandomAccess.WriteAsync(output, item.Line, offset, cancellationToken).ConfigureAwait(false);
                    offset += item.Line.Length;
                    if (item.Terminated)
                    {
                        await RandomAccess.WriteAsync(output, "\n"u8.ToArray(), offset, cancellationToken).ConfigureAwait(false);
                        offset++;
                    }
                }

                RandomAccess.FlushToDisk(output);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit log: writing to {Segment}")]
    private static partial void LogSegmentCreated(ILogger logger, string segment);

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit log: {Segment} reached {Bytes} bytes; starting a new segment")]
    private static partial void LogRotated(ILogger logger, string segment, long bytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit log: could not cut a failed batch off {Segment} ({Error}); continuing in a new segment")]
    private static partial void LogRollbackFailed(ILogger logger, string segment, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit log: could not update the schema file {File}: {Error}")]
    private static partial void LogSchemaFileFailed(ILogger logger, string file, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit log: skipped a torn last line in {Segment} (a write interrupted by a crash)")]
    internal static partial void LogTornLine(ILogger logger, string segment);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit log: skipped a line of {Segment} that is not a valid record: {Error}")]
    internal static partial void LogCorruptLine(ILogger logger, string segment, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit retention: {Segment} is open in another process (a running server or a reader); skipped")]
    private static partial void LogSegmentInUse(ILogger logger, string segment);

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit retention: deleted {Segment} ({Records} expired records)")]
    private static partial void LogSegmentDeleted(ILogger logger, string segment, long records);

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit retention: removed {Expired} expired records from {Segment}, kept {Kept}")]
    private static partial void LogSegmentRewritten(ILogger logger, string segment, long expired, long kept);

    /// <summary>Reads one segment backwards, yielding the lines that match a query.</summary>
    private sealed class SegmentCursor : IDisposable
    {
        private readonly ReverseLineReader _reader;
        private readonly bool _ordered;
        private readonly JsonlAuditBackend _owner;

        private readonly bool _heldByWriter;

        private SegmentCursor(string path, ReverseLineReader reader, bool ordered, bool heldByWriter, JsonlAuditBackend owner)
        {
            Path = path;
            _heldByWriter = heldByWriter;
            _reader = reader;
            _ordered = ordered;
            _owner = owner;
        }

        public string Path { get; }

        public AuditRecordHeader? Header { get; private set; }

        public byte[] Line { get; private set; } = [];

        public static SegmentCursor? Open(string path, bool ordered, JsonlAuditBackend owner)
        {
            try
            {
                // Asked before the reader opens the file: the reader's own shared lock would answer "in use".
                var heldByWriter = JsonlSegments.IsInUse(path);
                return new SegmentCursor(path, new ReverseLineReader(path), ordered, heldByWriter, owner);
            }
            catch (FileNotFoundException)
            {
                // Deleted by retention between listing and opening.
                return null;
            }
        }

        public async ValueTask<bool> MoveNextAsync(AuditQueryMatcher matcher, CancellationToken cancellationToken, bool keepLine = true)
        {
            while (await _reader.ReadPreviousAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                var span = line.Bytes.Span;
                if (line.IsUnterminated)
                {
                    // A writer appends whole batches; an unterminated tail of a segment nobody holds open is a torn write.
                    if (!_heldByWriter)
                    {
                        LogTornLine(_owner._logger, Path);
                    }

                    continue;
                }

                if (!matcher.MayMatch(span))
                {
                    continue;
                }

                if (!AuditRecordHeader.TryRead(span, out var header))
                {
                    LogCorruptLine(_owner._logger, Path, "not a JSON audit record");
                    continue;
                }

                if (_ordered && matcher.IsBeforeRange(header))
                {
                    // Segments are written in time order: everything before this line is older still.
                    return false;
                }

                if (!matcher.Matches(header))
                {
                    continue;
                }

                Header = header;
                Line = keepLine ? span.ToArray() : [];
                return true;
            }

            return false;
        }

        public void Dispose() => _reader.Dispose();
    }

    /// <summary>Newest first; ties broken by record id, as the database backends order.</summary>
    private sealed class NewestFirst : IComparer<(DateTimeOffset Timestamp, string RecordId)>
    {
        public static readonly NewestFirst Instance = new();

        public int Compare((DateTimeOffset Timestamp, string RecordId) x, (DateTimeOffset Timestamp, string RecordId) y)
        {
            var c = y.Timestamp.CompareTo(x.Timestamp);
            return c != 0 ? c : string.CompareOrdinal(y.RecordId, x.RecordId);
        }
    }
}
