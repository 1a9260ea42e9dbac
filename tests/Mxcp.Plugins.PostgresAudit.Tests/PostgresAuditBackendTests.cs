using Mxcp.Abstractions;
using Mxcp.Tests.Shared;
using Npgsql;
using static Mxcp.Tests.Shared.AuditStoreConformanceTests;

namespace Mxcp.Plugins.PostgresAudit.Tests;

/// <summary>What is particular to the PostgreSQL store: configuration errors, secrets, idempotent retries, concurrent first use.</summary>
public sealed class PostgresAuditBackendTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CreateAsync_NoConnectionString_SaysWhereToSetIt()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => PostgresBackends.OpenAsync(null));
        Assert.StartsWith("the postgres backend needs a connection string: set projects.demo.profiles.prod.audit.connection_string in the user configuration", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_UnknownKeyword_NamesItWithoutRepeatingThePassword()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => PostgresBackends.OpenAsync("Host=x;Password=hunter2-secret;Colour=blue"));
        Assert.Contains("colour", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("hunter2-secret", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_WrongPassword_FailsWithoutRepeatingIt()
    {
        server.Require();
        await using var store = await PostgresBackends.OpenAsync(server.ConnectionString("postgres", password: "wrong-Pa55-guess"));
        var e = await Assert.ThrowsAnyAsync<NpgsqlException>(async () => await store.WriteAsync([Make(1)], Ct));
        Assert.Contains("password authentication failed", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-Pa55-guess", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_SameBatchAgain_AsTheWriterRetries_StoredOnce()
    {
        await using var store = await PostgresBackends.OpenAsync(server.CreateDatabase());
        var batch = Enumerable.Range(0, 500).Select(i => Make(i)).ToList();
        await store.WriteAsync(batch, Ct);
        await store.WriteAsync(batch, Ct);
        Assert.Equal(500, (await store.GetStatsAsync(cancellationToken: Ct)).TotalRecords);
    }

    [Fact]
    public async Task WriteAsync_ManyServersStartingAtOnce_CreateTheTableOnceAndAllWrite()
    {
        var database = server.CreateDatabase();
        var stores = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostgresBackends.OpenAsync(database)));
        try
        {
            await Task.WhenAll(stores.Select((store, s) => store.WriteAsync(Enumerable.Range(0, 100).Select(i => Make((s * 100) + i)).ToList(), Ct).AsTask()));
            Assert.Equal(800, (await stores[0].GetStatsAsync(cancellationToken: Ct)).TotalRecords);
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task QueryAsync_ManyRecords_StreamedInOrder()
    {
        await using var store = await PostgresBackends.OpenAsync(server.CreateDatabase());
        for (var batch = 0; batch < 10; batch++)
        {
            await store.WriteAsync(Enumerable.Range(batch * 1000, 1000).Select(i => Make(i)).ToList(), Ct);
        }

        var seen = 0;
        var previous = DateTimeOffset.MaxValue;
        await foreach (var record in store.QueryAsync(new AuditQuery(), Ct))
        {
            Assert.True(record.Timestamp < previous);
            previous = record.Timestamp;
            seen++;
        }

        Assert.Equal(10_000, seen);
    }
}
