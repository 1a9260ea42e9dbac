using System.Collections.Concurrent;
using Mxcp.Runtime.Audit;

namespace Mxcp.Runtime.Tests.Audit;

/// <summary>Record ids come from a per-thread buffer of random bytes: they must still be distinct version 4 UUIDs.</summary>
public sealed class AuditRecordIdsTests
{
    [Fact]
    public async Task Next_ManyThreadsPastSeveralRefills_DistinctVersion4Uuids()
    {
        var ids = new ConcurrentBag<string>();
        await Parallel.ForAsync(0, 8, TestContext.Current.CancellationToken, (_, _) =>
        {
            for (var i = 0; i < 1000; i++)
            {
                ids.Add(AuditRecordIds.Next());
            }

            return ValueTask.CompletedTask;
        });

        Assert.Equal(8000, ids.Distinct().Count());
        Assert.All(ids, id =>
        {
            Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", id);
            var guid = Guid.Parse(id);
            Assert.Equal(4, guid.Version);
            Assert.InRange(guid.Variant, 8, 11);
        });
    }
}
