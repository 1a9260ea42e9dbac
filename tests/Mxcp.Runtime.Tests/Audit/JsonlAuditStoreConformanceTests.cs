using Mxcp.Abstractions;
using Mxcp.Tests.Shared;

namespace Mxcp.Runtime.Tests.Audit;

/// <summary>The shared audit store contract, on the JSONL backend (several writers, so several segments to merge).</summary>
public sealed class JsonlAuditStoreConformanceTests : AuditStoreConformanceTests, IDisposable
{
    private readonly List<string> _directories = [];

    protected override Task<IAuditBackend> OpenAsync()
    {
        var directory = Directory.CreateTempSubdirectory("mxcp-audit-conformance-").FullName;
        _directories.Add(directory);
        return Task.FromResult<IAuditBackend>(new SegmentPerBatch(directory));
    }

    public void Dispose()
    {
        foreach (var directory in _directories)
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Each batch from a new writer, as several servers or restarts leave several segments.</summary>
    private sealed class SegmentPerBatch(string directory) : IAuditBackend
    {
        private readonly IAuditBackend _reader = AuditRecords.Backend(directory);

        public async ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
        {
            await using var writer = AuditRecords.Backend(directory);
            await writer.WriteAsync(records, cancellationToken);
        }

        public IAsyncEnumerable<AuditRecord> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default) => _reader.QueryAsync(query, cancellationToken);

        public ValueTask<AuditStats> GetStatsAsync(DateTimeOffset? startTime = null, DateTimeOffset? endTime = null, CancellationToken cancellationToken = default) =>
            _reader.GetStatsAsync(startTime, endTime, cancellationToken);

        public ValueTask<IReadOnlyDictionary<string, long>> ApplyRetentionAsync(IReadOnlyDictionary<string, DateTimeOffset> cutoffs, bool dryRun, CancellationToken cancellationToken = default) =>
            _reader.ApplyRetentionAsync(cutoffs, dryRun, cancellationToken);

        public ValueTask DisposeAsync() => _reader.DisposeAsync();
    }
}
