using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ModelContextProtocol.Client;
using Mxcp.IntegrationTests.Support;
using Mxcp.Tests.Shared;

namespace Mxcp.IntegrationTests.Deployment;

/// <summary>
/// Scale-out on one machine: three stateless <c>mxcp serve</c> replicas (2026-07-28 clients, <c>--stateless</c>, DuckDB
/// read-only) behind Debian's nginx with <c>deploy/nginx/mxcp.conf</c>, all writing audit records to one PostgreSQL
/// database. One replica is stopped (SIGTERM, as systemd and Kubernetes stop it) while clients keep calling through
/// nginx. And issuer-mode sign-in through the same nginx with the replicas sharing a PostgreSQL token store.
/// </summary>
public sealed partial class ScaleOutTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private const int Replicas = 3;
    private const int Workers = 6;
    private const int CallsBeforeStop = 150;
    private const int CallsAfterStop = 150;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThreeReplicasBehindNginx_OneStoppedMidLoad_EveryAnsweredCallAuditedAndTheOthersKeepServing()
    {
        NginxProxy.Require();
        postgres.Require();
        using var project = PostgresAuditProject.Create(postgres.CreateDatabase());
        var replicas = new List<ServeProcess>();
        try
        {
            for (var i = 0; i < Replicas; i++)
            {
                replicas.Add(await ServeProcess.StartAsync(project, "--stateless", "--readonly", "--shutdown-timeout", "20"));
            }

            Assert.All(replicas, r => Assert.Contains("database:   read-only", r.Banner, StringComparison.Ordinal));
            Assert.All(replicas, r => Assert.Contains("(stateless)", r.Banner, StringComparison.Ordinal));
            await using var nginx = await NginxProxy.StartAsync(replicas.Select(r => r.BaseUri.Authority), Ct);

            var answered = new ConcurrentDictionary<int, bool>();
            var failures = new ConcurrentBag<(int Seq, long StartedAt, string Error)>();
            var clock = Stopwatch.StartNew();
            long stoppedAt = long.MaxValue;
            var nextSeq = 0;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);

            async Task Worker(int worker)
            {
                // One client per worker, 2026-07-28 without sessions: every call is a request any replica can answer.
                await using var client = await McpClient.CreateAsync(
                    new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(nginx.BaseUri, "/mcp"), TransportMode = HttpTransportMode.StreamableHttp }),
                    new McpClientOptions
                    {
                        ProtocolVersion = "2026-07-28",
                        ClientInfo = new() { Name = "scale-out-" + worker, Version = "1" },

                        // The 5 s default would read a slow answer on a loaded machine as "requires the handshake".
                        DiscoverProbeTimeout = TimeSpan.FromSeconds(60),
                        InitializationTimeout = TimeSpan.FromSeconds(90),
                    },
                    cancellationToken: Ct);
                Assert.Null(client.SessionId);
                while (!stop.IsCancellationRequested)
                {
                    var seq = Interlocked.Increment(ref nextSeq);
                    var startedAt = clock.ElapsedMilliseconds;
                    try
                    {
                        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["server"] = worker, ["seq"] = seq }, cancellationToken: Ct);
                        Assert.True(result.IsError != true, $"call {seq} answered with an error: {string.Join(" ", result.Content.OfType<ModelContextProtocol.Protocol.TextContentBlock>().Select(c => c.Text))}");
                        Assert.Equal(seq, result.StructuredContent!.Value.GetProperty("seq").GetInt32());
                        answered[seq] = true;
                    }
                    catch (HttpRequestException e)
                    {
                        failures.Add((seq, startedAt, e.Message));
                    }
                }
            }

            var workers = Enumerable.Range(0, Workers).Select(w => Task.Run(() => Worker(w), Ct)).ToArray();
            await WaitUntilAsync(() => answered.Count >= CallsBeforeStop || workers.Any(w => w.IsFaulted));

            // The replica gets SIGTERM under load: it stops accepting, finishes its calls in flight, flushes its audit queue.
            var victim = replicas[0];
            victim.Signal("TERM");
            Assert.Equal(0, await victim.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Interlocked.Exchange(ref stoppedAt, clock.ElapsedMilliseconds);
            var answeredAtStop = answered.Count;
            await WaitUntilAsync(() => answered.Count >= answeredAtStop + CallsAfterStop || workers.Any(w => w.IsFaulted));
            await stop.CancelAsync();
            await Task.WhenAll(workers);

            // The other replicas kept serving: no call that started after the stopped one had exited failed, and nginx
            // passed them to both remaining replicas. A call that reached the stopping replica in its last moment may be
            // answered 502 or 503 (the replica was not drained from nginx first); it is not counted as answered.
            Assert.DoesNotContain(failures, f => f.StartedAt >= stoppedAt);
            Assert.All(failures, f => Assert.Matches("50[23]", f.Error));
            var servedAfterStop = File.ReadLines(nginx.AccessLogPath).Skip(1).Select(l => l.Split(' ')).Where(f => f[1] == "200").ToList();
            foreach (var replica in replicas.Skip(1))
            {
                Assert.Contains(servedAfterStop, f => f[0].Contains(replica.BaseUri.Authority, StringComparison.Ordinal));
            }

            foreach (var replica in replicas.Skip(1))
            {
                replica.Signal("TERM");
                Assert.Equal(0, await replica.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            }

            Assert.All(replicas, r => Assert.DoesNotContain("AUDIT RECORDS LOST", r.Stderr, StringComparison.Ordinal));
            Assert.All(replicas, r => Assert.DoesNotContain(PostgresServer.Password, r.Stderr, StringComparison.Ordinal));

            // Every answered call is in the shared audit store exactly once, whichever replica answered it.
            var csv = Path.Combine(project.Root, "audit.csv");
            var export = project.Run("log", "--tool", "echo", "--export-csv", csv);
            Assert.True(export.ExitCode == 0, export.ToString());
            var audited = File.ReadLines(csv).Skip(1)
                .Where(line => line.Contains(",success,", StringComparison.Ordinal))
                .Select(line => int.Parse(SeqInInputData().Match(line).Groups[1].Value, CultureInfo.InvariantCulture))
                .ToList();
            Assert.Equal(audited.Count, audited.Distinct().Count());
            var missing = answered.Keys.Except(audited).Order().ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} of {answered.Count} answered calls are missing from the audit: {string.Join(", ", missing.Take(20))}");
            Assert.True(answered.Count >= CallsBeforeStop + CallsAfterStop);
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{answered.Count} calls answered, {failures.Count} failed while the replica stopped ({string.Join("; ", failures.Select(f => f.Error).Distinct())}), {audited.Count} audited; " +
                $"served per replica: {string.Join(", ", File.ReadLines(nginx.AccessLogPath).GroupBy(l => l.Split(' ')[0]).Select(g => $"{g.Key} {g.Count()}"))}");
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ThreeReplicasBehindNginx_SharedPostgresTokenStore_TypeScriptClientSignsInAndRefreshesAcrossReplicas()
    {
        // Issuer mode behind a load balancer without sticky sessions: registration, the authorization request, the
        // provider's callback, the code exchange, the calls and the refresh reach whichever replica nginx picks, so the
        // sign-in works only because every replica reads and writes the one PostgreSQL token store.
        NginxProxy.Require();
        postgres.Require();
        await using var op = await OidcProviderProcess.StartAsync(cancellationToken: Ct);
        using var project = AuthProject.Create(op, AuthProject.Issuer(op, """
            type: postgres
            connection_string: "${TOKEN_DB}"
            auth_encryption_key: "${TOKEN_KEY}"
            """), audit: false);
        project.Environment["TOKEN_DB"] = postgres.CreateDatabase();
        project.Environment["TOKEN_KEY"] = "a-shared-replica-key-0123456789abcdef";
        var created = project.Run("query", "select 1");
        Assert.True(created.ExitCode == 0, created.ToString());
        var client = await NodeTools.InstallAsync(Path.Combine(AppContext.BaseDirectory, "Interop", "ts-client"), "ts-interop", Ct);
        var replicas = new List<ServeProcess>();
        try
        {
            for (var i = 0; i < Replicas; i++)
            {
                replicas.Add(await ServeProcess.StartAsync(project, "--stateless", "--readonly"));
            }

            await using var nginx = await NginxProxy.StartAsync(replicas.Select(r => r.BaseUri.Authority), Ct);
            var run = await NodeTools.RunAsync("node", ["oauth-client.mjs", new Uri(nginx.BaseUri, "/mcp").ToString(), "alice"], client, TimeSpan.FromMinutes(2), Ct);
            Assert.True(run.ExitCode == 0, run + "\nnginx:\n" + string.Join("\n", File.ReadLines(nginx.AccessLogPath)) + "\nreplicas:\n" + string.Join("\n", replicas.Select(r => r.Stderr)));

            var seen = JsonDocument.Parse(run.Stdout.Trim().Split('\n')[^1]).RootElement;
            Assert.Equal(1, seen.GetProperty("logins").GetInt32());
            Assert.Equal("alice", seen.GetProperty("who").GetProperty("username").GetString());
            Assert.True(seen.GetProperty("who").GetProperty("has_token").GetBoolean());
            Assert.Equal("alice", seen.GetProperty("python").GetProperty("username").GetString());
            Assert.True(seen.GetProperty("refreshed").GetBoolean());
            Assert.Equal("alice", seen.GetProperty("whoAgain").GetProperty("username").GetString());

            // nginx spread the OAuth steps over the replicas (round robin), so the replica that finished a step was not
            // always the one that started the sign-in.
            var oauth = File.ReadLines(nginx.AccessLogPath).Skip(1).Select(l => l.Split(' '))
                .Where(f => f[3].StartsWith("/register", StringComparison.Ordinal) || f[3].StartsWith("/authorize", StringComparison.Ordinal)
                    || f[3].StartsWith("/oidc/callback", StringComparison.Ordinal) || f[3].StartsWith("/token", StringComparison.Ordinal))
                .ToList();
            Assert.Contains(oauth, f => f[3].StartsWith("/oidc/callback", StringComparison.Ordinal));
            Assert.True(oauth.Select(f => f[0]).Distinct().Count() >= 2, "the OAuth steps all reached one replica: " + string.Join("; ", oauth.Select(f => string.Join(' ', f))));
            Assert.True(File.ReadLines(nginx.AccessLogPath).Skip(1).Select(l => l.Split(' ')[0]).Distinct().Count() == Replicas);

            foreach (var replica in replicas)
            {
                Assert.DoesNotContain(op.ClientSecret, replica.Stderr, StringComparison.Ordinal);
                Assert.DoesNotContain(PostgresServer.Password, replica.Stderr, StringComparison.Ordinal);
            }
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the load did not progress within 3 minutes");
            await Task.Delay(50, Ct);
        }
    }

    /// <summary>The seq argument inside the CSV's input_data column (JSON with doubled quotes).</summary>
    [GeneratedRegex(@"""""seq"""":\s*(\d+)")]
    private static partial Regex SeqInInputData();
}
