using System.Diagnostics;
using Mxcp.IntegrationTests.Support;
using Mxcp.Tests.Shared;

namespace Mxcp.IntegrationTests.Audit;

/// <summary>
/// <c>audit.backend: postgres</c> with the bundled plugin: two server processes write to one PostgreSQL database at
/// once, and <c>mxcp log</c> reads every call back. The connection string comes from the user configuration through a
/// <c>${VAR}</c> reference and never shows in output.
/// </summary>
public sealed class PostgresAuditTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private const int CallsPerWorker = 150;
    private const int WorkersPerServer = 4;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoServers_WriteToOneDatabaseAtOnce_LogReadsEveryCallOnce()
    {
        postgres.Require();
        using var project = PostgresAuditProject.Create(postgres.CreateDatabase());
        var servers = new[] { await ServerProcess.StartAsync(project, Ct, "--readonly"), await ServerProcess.StartAsync(project, Ct, "--readonly") };
        try
        {
            await Task.WhenAll(servers.SelectMany((server, s) => Enumerable.Range(0, WorkersPerServer).Select(w => Task.Run(async () =>
            {
                for (var i = 0; i < CallsPerWorker; i++)
                {
                    var result = await server.Client.CallToolAsync("echo", new Dictionary<string, object?> { ["server"] = s, ["seq"] = (w * 1000) + i }, cancellationToken: Ct);
                    Assert.NotEqual(true, result.IsError);
                }
            }, Ct))));

            foreach (var server in servers)
            {
                await server.CloseAsync();
                Assert.Equal(0, server.ExitCode);
                Assert.DoesNotContain(PostgresServer.Password, server.Stderr, StringComparison.Ordinal);
                Assert.DoesNotContain("AUDIT RECORDS LOST", server.Stderr, StringComparison.Ordinal);
            }
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }

        var log = project.Run("log", "--tool", "echo", "--limit", "100000", "--json");
        Assert.True(log.ExitCode == 0, log.ToString());
        var records = log.Json.GetProperty("result").GetProperty("records").EnumerateArray().ToList();
        Assert.Equal(2 * WorkersPerServer * CallsPerWorker, records.Count);
        Assert.Equal(records.Count, records.Select(r => r.GetProperty("record_id").GetString()).Distinct().Count());
        Assert.All(records, r => Assert.Equal("success", r.GetProperty("operation_status").GetString()));
        Assert.False(Directory.Exists(Path.Combine(project.Root, "audit")), "nothing is written to JSONL files");

        var csv = Path.Combine(project.Root, "all.csv");
        var export = project.Run("log", "--export-csv", csv);
        Assert.Equal($"Exported {records.Count} records to {csv}", export.Stdout.Trim());
        var ids = File.ReadLines(csv).Skip(1).Select(l => l.Split(',')[2]).ToHashSet();
        Assert.Equal(records.Select(r => r.GetProperty("record_id").GetString()!).ToHashSet(), ids);

        var cleanup = project.Run("log-cleanup", "--dry-run", "--json");
        Assert.Equal("Would delete 0 records", cleanup.Json.GetProperty("result").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Serve_DatabaseUnreachable_CallsStillAnsweredAndTheFailureLoggedLoudly()
    {
        using var project = PostgresAuditProject.Create("Host=127.0.0.1;Port=1;Username=mxcp;Password=never-shown-Pw;Database=audit;Timeout=2");
        var server = await ServerProcess.StartAsync(project, Ct, "--readonly", "--debug");
        try
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < 5; i++)
            {
                var result = await server.Client.CallToolAsync("echo", new Dictionary<string, object?> { ["server"] = 0, ["seq"] = i }, cancellationToken: Ct);
                Assert.NotEqual(true, result.IsError);
            }

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), "audit never holds up a call");
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!server.Stderr.Contains("Audit: writing a batch of", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, Ct);
            }

            Assert.Contains("fail: Mxcp.Runtime.Audit.AuditWriter", server.Stderr, StringComparison.Ordinal);
            Assert.Contains("failed (attempt 1); retrying", server.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("never-shown-Pw", server.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }
}
